import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { startS3Gateway, type LocalServer } from "@/test/support/distribution-servers";
import { publishedScenario } from "@/test/factories/bundles";

// The bundle page's Distribution targets section, as a person uses it: an empty state, the add
// form (keyboard only), the revision's state on the new target, a re-check and removing it.

const SHOTS = path.join(process.cwd(), "test-results", "screenshots");
const KEY_ID = `VERDICT${randomBytes(5).toString("hex").toUpperCase()}`;
const SECRET = randomBytes(20).toString("base64url");

let browser: Browser;
let page: Page;
let s3: LocalServer;
let bundle: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  s3 = await startS3Gateway({ accessKeyId: KEY_ID, secretAccessKey: SECRET, buckets: ["bundles"] });
  bundle = (await publishedScenario()).scenario.bundle.name;
  browser = await launchChromium();
  page = (await signedInPage(browser, ["admin"])).page;
});

afterAll(async () => {
  await browser?.close();
  await s3?.stop();
});

describe("distribution targets on the bundle page", () => {
  it("add a bucket from the keyboard, show r1 stored there, re-check it and remove it", async () => {
    await page.goto(`/bundles/${bundle}`);
    const section = page.locator(".card", { has: page.getByRole("heading", { name: "Distribution targets" }) });
    await section.getByText("No distribution targets").waitFor();

    await section.getByRole("button", { name: "Add target" }).click();
    await page.getByLabel("Kind").selectOption("s3");
    await page.getByLabel("Name").focus();
    await page.keyboard.type("bucket");
    await page.getByLabel("Endpoint URL").fill(s3.url);
    await page.getByLabel("Bucket").fill("bundles");
    await page.getByLabel("Object key").fill(`opa/${bundle}.tar.gz`);
    await page.getByLabel("Access key id").fill(KEY_ID);
    await page.getByLabel("Secret access key").fill(SECRET);
    await page.screenshot({ path: path.join(SHOTS, "distribution-targets-form.png"), fullPage: true });
    await page.keyboard.press("Enter");

    const table = page.getByRole("table", { name: "Distribution targets" });
    await table.getByText("stored").waitFor();
    expect(await table.getByRole("row").nth(1).textContent()).toMatch(/bucket[\s\S]*bundles\/opa\/[\s\S]*r1\s*stored/);
    expect(await page.content()).not.toContain(SECRET);
    await page.screenshot({ path: path.join(SHOTS, "distribution-targets.png"), fullPage: true });

    await page.getByRole("button", { name: "Re-check now" }).click();
    await page.getByText("Checked: intact").waitFor();

    // The revision's own page lists its state on each target.
    await page.goto(`/bundles/${bundle}/revisions/1`);
    const copies = page.locator("dt", { hasText: "Distribution targets" }).locator("xpath=following-sibling::dd[1]");
    expect(await copies.textContent()).toMatch(/bucket\s*stored/);
    await page.goto(`/bundles/${bundle}`);
    // The configuration is fetched once the page is hydrated; a choice made before that never reaches React.
    await page.getByTestId("bundle-opa-config").waitFor();
    await page.getByLabel("Agents pull the bundle from").selectOption("bucket");
    await page.getByTestId("bundle-opa-config").getByText("s3_signing").waitFor();

    await table.getByRole("button", { name: "Remove…" }).click();
    await table.getByRole("button", { name: "Remove", exact: true }).click();
    await section.getByText("No distribution targets").waitFor();
  });
});
