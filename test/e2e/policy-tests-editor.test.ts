import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { createPolicy } from "@/lib/policies/create-policy";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { policyInput } from "@/test/factories/sample-policies";

const SHOTS = path.join(process.cwd(), "test-results", "screenshots");
let browser: Browser;
let page: Page;
let policyId: string;
let pkg: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  const signedIn = await signedInPage(browser, ["author"]);
  page = signedIn.page;
  const input = policyInput();
  pkg = input.packagePath;
  // Deliberately wrong: admins are not let in.
  const source = `package ${pkg}\n\ndefault allow := false\n\nallow if {\n\tinput.user.role == "owner"\n}\n\nallow if {\n\tinput.method == "GET"\n\tinput.user.role == "viewer"\n}\n`;
  policyId = (await createPolicy({ actor: signedIn.user, input: { ...input, name: "Admin API", source } })).id;
});

afterAll(async () => {
  await browser?.close();
});

/** Replaces a Monaco editor's whole text the way a paste would (no auto-closing brackets). */
async function setEditorText(editor: Locator, text: string) {
  await editor.locator(".view-lines").first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.insertText(text);
}

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `policy-tests-${name}.png`), fullPage: true });

/** Waits for a case's status in the results; on timeout keeps a screenshot of what the page showed. */
async function waitForStatus(caseName: string, status: string) {
  try {
    await page
      .getByTestId(`case-${caseName}`)
      .getByTestId("case-status")
      .filter({ hasText: status })
      .waitFor({ timeout: 30_000 });
  } catch (error) {
    await shot(`timeout-${status}`);
    throw error;
  }
}

describe("testing a policy from the editor", () => {
  it("writes a case, sees it fail with a diff, fixes the policy, sees it pass with coverage shading", async () => {
    // Login lands on the home page; let that settle before navigating.
    await page.getByRole("heading", { name: "Welcome to Verdict" }).waitFor();
    await page.goto(`/policies/${policyId}`);
    await page.getByRole("tab", { name: /Cases/ }).click();
    await page.getByRole("button", { name: "Add case" }).first().click();
    await page.getByLabel("Case name").fill("admins may delete");
    await setEditorText(page.getByTestId("case-input"), '{"method": "DELETE", "user": {"role": "admin"}}');
    await setEditorText(page.getByTestId("case-expected"), "true");

    await page.getByRole("button", { name: /Run tests/ }).click();
    const row = page.getByTestId("case-admins may delete");
    await waitForStatus("admins may delete", "failed");
    const diff = row.locator(".json-diff");
    await diff.waitFor();
    expect(await diff.locator(".json-diff-line.json-diff-del").textContent()).toContain("true");
    expect(await diff.locator(".json-diff-line.json-diff-add").textContent()).toContain("false");
    // OPA's rule index matched no allow rule for this input: the explanation names the default.
    expect(await row.locator(".explanation").textContent()).toContain("default allow := false");
    await shot("failing");

    // Re-run just this case: still failing, and not a new run in the history.
    await row.getByRole("button", { name: "Re-run admins may delete" }).click();
    await page.getByText("“admins may delete” failed").waitFor();

    // Fix the policy and run again with the keyboard.
    await page.getByRole("tab", { name: "policy.rego" }).click();
    const editor = page.getByRole("tabpanel", { name: "policy.rego" });
    await setEditorText(
      editor,
      `package ${pkg}\n\ndefault allow := false\n\nallow if {\n\tinput.user.role in {"owner", "admin"}\n}\n\nallow if {\n\tinput.method == "GET"\n\tinput.user.role == "viewer"\n}\n`,
    );
    await page.keyboard.press("Control+Enter");
    await waitForStatus("admins may delete", "passed");
    expect(await page.getByTestId("run-status").textContent()).toBe("Passed");

    // Coverage: the rule the case reached is shaded covered, the viewer rule not covered.
    await editor.locator(".coverage-covered").first().waitFor();
    expect(await editor.locator(".coverage-missed").count()).toBeGreaterThan(0);
    await shot("passing-coverage");

    // The run was stored: history lists it, and saving keeps the case with the version.
    await page.getByTestId("run-history").getByText("passed").first().waitFor();
    await page.getByRole("button", { name: /Save/ }).click();
    await page.getByText("Saved version 2").waitFor();
    await page.getByText("Saved as v2").waitFor();
    // The editor reopens on v2 and shows v2's latest run: the run of identical unsaved content.
    await page.getByTestId("run-status").filter({ hasText: "Passed" }).waitFor();

    // The policy list shows the head version's latest result.
    await expect
      .poll(
        async () => {
          await page.goto(`/policies?q=${pkg}`);
          return page
            .getByRole("row", { name: /Admin API/ })
            .getByText("1/1 passed")
            .count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await shot("policy-list");
    await page.goto(`/policies/${policyId}`);
  });

  it("turns a failing case's actual result into its expected value after confirmation", async () => {
    // The page was just reloaded: a click before hydration does nothing, so click until the tab is selected.
    const casesTab = page.getByRole("tab", { name: /Cases/ });
    await expect
      .poll(
        async () => {
          await casesTab.click();
          return casesTab.getAttribute("aria-selected");
        },
        { timeout: 20_000 },
      )
      .toBe("true");
    await page.getByRole("button", { name: "Add case" }).first().click();
    await page.getByLabel("Case name").fill("viewers may not post");
    await setEditorText(page.getByTestId("case-input"), '{"method": "POST", "user": {"role": "viewer"}}');
    await page.getByRole("button", { name: /Run tests/ }).click();
    const row = page.getByTestId("case-viewers may not post");
    await waitForStatus("viewers may not post", "failed");
    await row.getByRole("button", { name: "Use actual as expected…" }).click();
    const dialog = page.getByRole("dialog", { name: "Make the actual result the expected one?" });
    await dialog.getByRole("button", { name: "Use actual as expected" }).click();
    await page.getByRole("button", { name: /Run tests/ }).click();
    await waitForStatus("viewers may not post", "passed");
    await shot("cases-editor");
  });
});
