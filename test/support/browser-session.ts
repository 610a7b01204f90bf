import type { Browser, Page } from "playwright-core";
import type { Role } from "@/lib/auth/roles";
import { createTestUser } from "@/test/factories/actors";
import { appUrl } from "./api";

/** A new user with these roles (in the database of DATABASE_URL), signed in through the real login form in a fresh browser context. */
export async function signedInPage(
  browser: Browser,
  roles: Role[],
  options: { baseUrl?: string } = {},
): Promise<{ page: Page; user: Awaited<ReturnType<typeof createTestUser>> }> {
  const password = "correct horse battery staple";
  const user = await createTestUser(roles, { password });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    baseURL: options.baseUrl ?? appUrl(),
  });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  return { page, user };
}
