import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import Provider from "oidc-provider";
import type { Browser } from "playwright-core";
import { freePort } from "@/lib/core/free-port";
import { createTestUser } from "@/test/factories/actors";
import { startAppInstance, type AppInstance } from "@/test/support/app-process";
import { launchChromium } from "@/test/support/browser";

// A real OpenID Connect provider (panva/oidc-provider, its development login screens) in front of
// a second app instance configured for single sign-on through it.
let idp: Server;
let app: AppInstance;
let browser: Browser;
const CLIENT_SECRET = "oidc-client-secret-for-tests";

beforeAll(async () => {
  const testEnv = inject("testEnv");
  const [idpPort, appPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${idpPort}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "verdict",
        client_secret: CLIENT_SECRET,
        redirect_uris: [`http://127.0.0.1:${appPort}/api/auth/callback/oidc`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    // The development login accepts any login name; it becomes the subject and the email claim.
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: sub, name: "SSO person" }),
    }),
    claims: { openid: ["sub"], email: ["email"], profile: ["name"] },
    features: { devInteractions: { enabled: true } },
    // Put the email claim in the ID token, as identity providers commonly do for scope=email.
    conformIdTokenClaims: false,
  });
  idp = provider.listen(idpPort);
  app = await startAppInstance(
    {
      DATABASE_URL: testEnv.appDatabaseUrl!,
      OPA_BIN: testEnv.opaBin,
      NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
      VERDICT_MASTER_KEY: testEnv.VERDICT_MASTER_KEY,
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: "verdict",
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_NAME: "Test IdP",
    },
    { name: "app-oidc", port: appPort },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await new Promise((resolve) => idp?.close(resolve));
});

async function signInThroughIdp(email: string) {
  const page = await (await browser.newContext({ baseURL: app.url })).newPage();
  await page.goto("/login");
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  await page.locator("input[name=login]").fill(email);
  await page.locator("input[name=password]").fill("anything");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((url) => url.origin === app.url && !url.pathname.startsWith("/api/auth"));
  return page;
}

describe("single sign-on through an OpenID Connect provider", () => {
  it("signs in a person an administrator has added, with their Verdict roles", async () => {
    const person = await createTestUser(["auditor"]);
    const page = await signInThroughIdp(person.email);
    await page.waitForURL((url) => url.pathname === "/");
    expect(await page.locator(".sidebar-footer").textContent()).toContain(person.email);
    expect(await page.getByRole("link", { name: "Audit trail" }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
  });

  it("refuses anyone the identity provider knows but Verdict does not (deny by default)", async () => {
    const page = await signInThroughIdp(`stranger-${Date.now()}@example.test`);
    await page.waitForURL(/\/login\?.*error=AccessDenied/);
    expect(await page.locator(".alert").textContent()).toContain("not allowed to sign in");
  });
});
