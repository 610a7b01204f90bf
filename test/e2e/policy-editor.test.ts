import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";

let browser: Browser;
let page: Page;
const consoleProblems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  ({ page } = await signedInPage(browser, ["author"]));
  // Monaco must run under the nonce-based CSP with its worker from our own bundle.
  page.on("console", (m) => {
    if (/Refused to|Content Security Policy|Could not create web worker|main thread/i.test(m.text()))
      consoleProblems.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
});

/** Replaces the editor's whole text the way a paste would (no auto-closing brackets). */
async function setEditorText(text: string) {
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

describe("policy editor in the browser", () => {
  const pkg = `e2e.p${Date.now().toString(36)}`;

  it("creates a policy, shows lint errors as markers, formats, saves, diffs and restores", async () => {
    await page.goto("/policies");
    await page.getByRole("link", { name: "New policy" }).first().click();
    await page.getByLabel("Name").fill("E2E policy");
    await page.getByLabel("Package").fill(pkg);
    await page.getByLabel("Owner").fill("e2e-team");
    await page.waitForSelector(".monaco-editor .view-lines");
    await page.getByRole("button", { name: "Create policy" }).click();
    await page.waitForURL(/\/policies\/[0-9a-f-]{36}$/);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("E2E policy");
    // Its references: a new policy uses none and nothing uses it yet.
    const references = page.getByRole("region", { name: "References" });
    await references.getByText("This policy uses no other policy.").waitFor();
    await references.getByText("No other policy uses this one.").waitFor();

    // A lint error appears as an editor marker and in the Problems list.
    await setEditorText(`package ${pkg}\n\ndefault allow := false\n\nallow if {\n\tusr.role == "admin"\n}\n`);
    await page.waitForSelector(".monaco-editor .squiggly-error", { timeout: 15_000 });
    const problems = page.getByTestId("problems");
    await problems.waitFor();
    expect((await problems.textContent())!.replace(/\u00a0/g, " ")).toContain("var usr is unsafe");

    // Fix it (badly formatted), format with opa fmt, save.
    await setEditorText(`package ${pkg}\ndefault allow := false\nallow if {   input.user.role == "admin" }\n`);
    await page.getByText("opa check found no problems.").waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator(".monaco-editor .squiggly-error").count()).toBe(0);
    await page.getByRole("button", { name: /Format/ }).click();
    await page.getByText("Formatted with opa fmt").waitFor();
    await page.getByLabel("Change message").fill("admins only");
    await page.getByRole("button", { name: /Save/ }).click();
    await page.getByText("Saved version 2").waitFor();
    await page.getByText("Saved as v2").waitFor();

    // History shows a side-by-side diff of v1 and v2; restore v1 as v3.
    await page.getByRole("link", { name: "History" }).click();
    await page.waitForURL(/\/history/);
    const diff = page.getByTestId("diff");
    await diff.locator(".monaco-diff-editor").waitFor();
    await diff.locator(".line-insert, .char-insert").first().waitFor();
    // Monaco renders spaces as no-break spaces.
    expect((await diff.textContent())!.replace(/\u00a0/g, " ")).toContain('input.user.role == "admin"');
    await page.getByRole("row", { name: /v1/ }).getByRole("button", { name: "Restore…" }).click();
    await page.getByRole("button", { name: "Confirm restore" }).click();
    await page.getByText("Version 1 restored as version 3").waitFor();
    await page.getByRole("row", { name: /v3.*current/ }).waitFor();
    expect(consoleProblems).toEqual([]);
  });
});
