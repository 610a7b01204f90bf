import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { pool } from "@/lib/core/db";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { seedBulkAllowlists } from "@/test/factories/bulk-allowlists";
import { createTestUser } from "@/test/factories/actors";
import { approveAndPublish, ensureAllowlistBundle } from "@/test/factories/allowlists";
import type { Actor } from "@/lib/auth/actor";

let browser: Browser;
let page: Page;
let userId = "";
let reviewer: Actor;

beforeAll(async () => {
  browser = await launchChromium();
  const session = await signedInPage(browser, ["author"]);
  page = session.page;
  userId = session.user.userId;
  page.on("dialog", (dialog) => void dialog.accept());
  reviewer = await createTestUser(["reviewer"]);
  await ensureAllowlistBundle({
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer,
  });
});

/** The change request page the console opened: its number, after checking the diff it shows. */
async function changeRequestShown(line: string): Promise<number> {
  await page.waitForURL(/\/allowlists\/changes\/\d+$/);
  await page.getByRole("list", { name: "Access diff lines" }).getByText(line, { exact: true }).waitFor();
  return Number(new URL(page.url()).pathname.split("/").pop());
}

afterAll(async () => {
  await browser?.close();
});

describe("allowlists in the browser", () => {
  const name = `web-${Date.now().toString(36)}`;
  const caller = "spiffe://prod.example/ns/billing/sa/api";

  it("creates a service, adds an endpoint, proposes a grant (after fixing a bad ID), and sees it work once approved and published; revokes the same way", async () => {
    await page.goto("/allowlists");
    await page.getByRole("button", { name: "New service" }).click();
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Trust domain").fill("prod.example");
    await page.getByLabel("Owner team").fill("team-payments");
    await page.getByRole("button", { name: "Create service" }).click();
    await page.waitForURL(`**/allowlists/services/${name}`);

    await page.getByRole("button", { name: "Add endpoint" }).click();
    const addForm = page.getByRole("form", { name: "Add endpoint" });
    await addForm.getByLabel("Method").selectOption("POST");
    await addForm.getByLabel("Path pattern").fill("/refunds");
    await addForm.getByRole("button", { name: "Add", exact: true }).click();
    const endpoint = page.getByRole("region", { name: "POST /refunds" });
    await endpoint.waitFor();
    await endpoint.getByText("No caller may call this endpoint").waitFor();

    await endpoint.getByRole("button", { name: "Grant access" }).click();
    await endpoint.getByLabel("Caller SPIFFE ID").fill("spiffe://prod.example:8443/ns/billing/sa/api");
    await endpoint.getByLabel("Owner").fill("team-billing");
    await endpoint.getByLabel("Reason").fill("refunds for cancelled orders");
    await endpoint.getByRole("button", { name: "Propose grant" }).click();
    await endpoint.getByText("must not have a port in the trust domain").waitFor();
    await endpoint.getByLabel("Caller SPIFFE ID").fill(caller);
    await endpoint.getByRole("button", { name: "Propose grant" }).click();
    const number = await changeRequestShown(`+ ${caller} → ${name} POST /refunds`);
    await approveAndPublish({ reviewer }, number);
    await page.goto(`/allowlists/services/${name}`);
    await endpoint.getByRole("link", { name: caller }).waitFor();
    expect(await endpoint.getByText("no expiry").count()).toBe(1);

    const tryIt = page.getByRole("form", { name: "Try a request" });
    await tryIt.getByLabel("Caller SPIFFE ID").fill(caller);
    await tryIt.getByLabel("Method").fill("POST");
    await tryIt.getByLabel("Path").fill("/refunds");
    await tryIt.getByRole("button", { name: "Check" }).click();
    await tryIt.getByText("Allowed", { exact: true }).waitFor();
    expect(await tryIt.getByRole("status").textContent()).toContain(`may call ${name} POST /refunds`);

    await endpoint.getByRole("button", { name: `Revoke ${caller}` }).click();
    const revocation = await changeRequestShown(`− ${caller} → ${name} POST /refunds`);
    await approveAndPublish({ reviewer }, revocation);
    await page.goto(`/allowlists/services/${name}`);
    await endpoint.getByText("No caller may call this endpoint").waitFor();
  });

  it("previews an import with the access diff and row errors, then applies it", async () => {
    const header = "service,method,path,caller,owner,reason,expires_at,cross_trust_domain";
    const good = `${name},POST,/refunds,spiffe://prod.example/ns/ops/*,sre,dashboards,,`;
    await page.goto("/allowlists/import");
    await page
      .getByLabel("…or paste it")
      .fill([header, good, `${name},POST,/refunds,spiffe://Prod.example/x,sre,x,,`].join("\n"));
    await page.getByRole("button", { name: "Preview changes" }).click();
    const preview = page.getByRole("region", { name: "Import preview" });
    await preview.getByText("1 row(s) need fixing").waitFor();
    expect(await preview.getByRole("table", { name: "Row errors" }).textContent()).toContain("3caller");
    expect(await preview.getByRole("list", { name: "Access diff" }).textContent()).toBe(
      `+ spiffe://prod.example/ns/ops/* → ${name} POST /refunds`,
    );
    expect(await page.getByRole("button", { name: /^Propose/ }).isDisabled()).toBe(true);

    await page.getByLabel("…or paste it").fill([header, good].join("\n"));
    await page.getByRole("button", { name: "Preview changes" }).click();
    await preview.getByText("Preview: nothing has been written yet").waitFor();
    await page.getByRole("button", { name: /^Propose/ }).click();
    const number = await changeRequestShown(`+ spiffe://prod.example/ns/ops/* → ${name} POST /refunds`);
    await approveAndPublish({ reviewer }, number);
    await page.reload();
    await page
      .getByText(/applied/)
      .first()
      .waitFor();
    await page.goto(`/allowlists/services/${name}`);
    await page.getByRole("link", { name: "spiffe://prod.example/ns/ops/*" }).waitFor();
  });

  it("keeps the access matrix usable with 500 services × 2,000 callers: virtualized and filterable", async () => {
    const { entries } = await seedBulkAllowlists(pool(), {
      prefix: "mx",
      services: 500,
      callers: 2000,
      grantsPerCaller: 5,
      expireEvery: 97,
      createdById: userId,
    });
    expect(entries).toBe(10_000);
    await page.goto("/allowlists/matrix");
    const counts = page.getByTestId("matrix-counts");
    await counts.waitFor({ timeout: 30_000 });
    const [, shownCallers, , shownServices] = /^([\d,]+) of ([\d,]+) callers × (\d+) of (\d+) services$/
      .exec((await counts.textContent())!)!
      .slice(1);
    expect(Number(shownCallers!.replace(/,/g, ""))).toBeGreaterThanOrEqual(2000);
    expect(Number(shownServices)).toBeGreaterThanOrEqual(500);
    // Only what is in view exists in the DOM, not 1,000,000 cells or 2,000 row labels.
    expect(await page.locator(".matrix-row-label").count()).toBeLessThan(80);
    expect(await page.locator(".matrix-col-label").count()).toBeLessThan(80);
    expect(await page.locator(".matrix-cell").count()).toBeGreaterThan(0);

    await page.getByLabel("Callers starting with or containing").fill("spiffe://prod.example/ns/team-7/");
    await expect.poll(() => counts.textContent()).toMatch(/^40 of [\d,]+ callers/);
    await page.getByLabel("Services containing").fill("mx-0499");
    await expect.poll(() => counts.textContent()).toMatch(/× 1 of \d+ services$/);

    // Scroll to the far bottom-right: the last callers and services render there.
    await page.getByLabel("Callers starting with or containing").fill("");
    await page.getByLabel("Services containing").fill("mx-");
    await expect.poll(() => counts.textContent()).toMatch(/× 500 of \d+ services$/);
    await page.locator(".matrix-body").evaluate((el) => el.scrollTo(el.scrollWidth, el.scrollHeight));
    await expect
      .poll(async () => (await page.locator(".matrix-col-label").allTextContents()).includes("mx-0500"))
      .toBe(true);
    expect(await page.locator(".matrix-row-label").count()).toBeLessThan(80);

    const cell = page.locator(".matrix-cell").first();
    const label = (await cell.getAttribute("aria-label"))!;
    await cell.click();
    const selection = page.getByTestId("matrix-selection");
    await selection.waitFor();
    expect(await selection.textContent()).toContain(label.split(" → ")[0]);
  });
});
