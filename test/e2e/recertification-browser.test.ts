import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { createTestUser } from "@/test/factories/actors";
import { createServiceWithEndpoints, entry, grant } from "@/test/factories/allowlists";

const SHOTS = path.join("test-results", "screenshots");
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("a recertification campaign in the browser", () => {
  it("starts over one owner's grants, records a keep, shows progress and a printable report", async () => {
    const { page, user } = await signedInPage(browser, ["admin"]);
    const author = await createTestUser(["author"]);
    const service = await createServiceWithEndpoints(author, {
      endpoints: [
        ["GET", "/v1/invoices"],
        ["POST", "/v1/refunds"],
      ],
    });
    await grant(author, [
      entry(service.name, "GET", "/v1/invoices", "spiffe://prod.example/ns/billing/sa/api", { owner: user.email }),
      entry(service.name, "POST", "/v1/refunds", "spiffe://prod.example/ns/billing/sa/worker", { owner: user.email }),
    ]);

    await page.goto("/admin/recertification");
    expect(await page.title()).toBe("Recertification · Verdict");
    // The form opens only once the page is hydrated; a click before that does nothing.
    const toggle = page.getByRole("button", { name: "Start a campaign" }).first();
    const title = page.getByLabel("Title");
    for (let i = 0; i < 20 && !(await title.isVisible()); i++) {
      if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
      await page.waitForTimeout(250);
    }
    await title.fill(`Review of ${user.email}`);
    await page.getByLabel("Grants").selectOption("owner");
    await page.getByLabel("Owner").fill(user.email);
    await page.getByRole("button", { name: "Start campaign", exact: true }).click();

    await page.waitForURL(/\/admin\/recertification\/\d+$/);
    const items = page.getByRole("table", { name: "Campaign items" });
    await expect.poll(() => items.getByRole("row").count()).toBe(3);
    const invoices = items.getByRole("row", { name: /\/v1\/invoices/ });
    expect(await invoices.textContent()).toMatch(/unused[\s\S]*never/);
    const progress = page.getByRole("progressbar");
    expect(await progress.getAttribute("aria-valuenow")).toBe("0");

    await invoices.getByRole("button", { name: "Keep" }).click();
    await page.getByText("1 of 2 decided (50%): 1 kept, 0 narrowed, 0 revoked").waitFor();
    expect(await page.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("50");
    expect(await invoices.getByRole("button", { name: "Keep" }).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, "recertification-campaign.png"), fullPage: true });

    await page.goto(`${new URL(page.url()).pathname}/report`);
    // The report streams in after its loading state: read it once its first item is there.
    await page.getByText(`keep by ${user.email}`).first().waitFor();
    const report = await page.textContent("main");
    expect(report).toContain(service.name);
    expect(report).toContain(`keep by ${user.email}`);
    expect(report).toContain("undecided");
    await page.screenshot({ path: path.join(SHOTS, "recertification-report.png"), fullPage: true });
  });
});
