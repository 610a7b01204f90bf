import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { db } from "@/lib/core/db";
import { policyInput } from "@/test/factories/sample-policies";
import { callApi, tokenFor } from "@/test/support/api";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";

const v0Source = (pkg: string) =>
  `package ${pkg}\n\ndefault allow = false\n\nallow {\n  input.user == "alice"\n}\n\nreasons[msg] {\n  not allow\n  msg := "only alice"\n}\n`;

let token = "";

beforeAll(async () => {
  token = (await tokenFor(["author"])).token;
});

describe("POST /api/v1/rego/convert-v0 (what the editor's conversion dialog calls)", () => {
  it("converts v0 with opa fmt --v0-v1 and says the version of anything else", async () => {
    const v0 = await callApi("/api/v1/rego/convert-v0", { token, body: { source: v0Source("p") } });
    expect(v0.status).toBe(200);
    expect(v0.body.detected).toBe("v0");
    expect(v0.body.converted).toContain("import rego.v1");
    expect(v0.body.converted).toContain("reasons contains msg if {");
    const v1 = await callApi("/api/v1/rego/convert-v0", { token, body: { source: "package p\n\nallow if true\n" } });
    expect(v1.body).toEqual({ detected: "v1" });
    const broken = await callApi("/api/v1/rego/convert-v0", { token, body: { source: "package p\n\nallow {\n" } });
    expect(broken.body).toEqual({ detected: null });
  });

  it("answers a v0 module that cannot be converted with what to change and the line", async () => {
    const res = await callApi("/api/v1/rego/convert-v0", {
      token,
      body: { source: 'package p\n\nx = set_diff({1, 2}, {2})\n\ny { re_match("a", input.s) }\n' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      detected: "v0",
      error:
        "2 places need a change first: Line 3: set_diff() does not exist in Rego v1; use the set difference a - b instead. " +
        "Line 5: re_match() does not exist in Rego v1; use regex.match() with the same arguments instead.",
      line: 3,
    });
  });

  it("refuses callers without a token, bodies that are not a module and bodies past the limit", async () => {
    expect((await callApi("/api/v1/rego/convert-v0", { body: { source: "package p" } })).status).toBe(401);
    const empty = await callApi("/api/v1/rego/convert-v0", { token, body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.source"]);
    const version = await callApi("/api/v1/rego/convert-v0", {
      token,
      body: { source: "package p", regoVersion: "v2" },
    });
    expect(version.status).toBe(422);
    expect(version.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.regoVersion"]);
    const huge = await callApi("/api/v1/rego/convert-v0", {
      token,
      body: { source: `package p\n${"#".repeat(7 * 1024 * 1024)}` },
    });
    expect(huge.status).toBe(413);
  });
});

describe("keeping and converting over the API", () => {
  it("lints as the policy's version, saves a policy kept as v0, then its conversion as the next version", async () => {
    const input = policyInput();
    const lintAsV1 = await callApi("/api/v1/rego/lint", { token, body: { source: v0Source(input.packagePath) } });
    expect(lintAsV1.body.detectedRegoVersion).toBe("v0");
    const lintAsV0 = await callApi("/api/v1/rego/lint", {
      token,
      body: { source: v0Source(input.packagePath), regoVersion: "v0" },
    });
    expect(lintAsV0.body).toEqual({ errors: [], warnings: [] });

    const created = await callApi("/api/v1/policies", {
      token,
      body: { ...input, source: v0Source(input.packagePath), regoVersion: "v0" },
    });
    expect(created.status).toBe(201);
    expect(created.body.head.regoVersion).toBe("v0");
    const run = await callApi(`/api/v1/policies/${created.body.id}/test-runs`, {
      token,
      body: {
        inline: {
          source: v0Source(input.packagePath),
          testSource: `package ${input.packagePath}_test\n\ntest_alice {\n  data.${input.packagePath}.allow with input as {"user": "alice"}\n}\n`,
        },
      },
    });
    expect(run.status).toBe(201);
    expect(run.body.summary).toMatchObject({ total: 1, passed: 1 });
    const exported = await callApi(`/api/v1/policies/${created.body.id}/export?format=json`, { token });
    expect(exported.body).toMatchObject({ version: 1, regoVersion: "v0" });

    const converted = await callApi("/api/v1/rego/convert-v0", {
      token,
      body: { source: v0Source(input.packagePath) },
    });
    const saved = await callApi(`/api/v1/policies/${created.body.id}/versions`, {
      token,
      body: {
        source: converted.body.converted,
        message: "Converted to Rego v1",
        expectedVersion: 1,
        regoVersion: "v1",
      },
    });
    expect(saved.status).toBe(201);
    expect(saved.body.version).toMatchObject({ number: 2, regoVersion: "v1", source: converted.body.converted });
  });

  it("refuses a v0 import without a choice, carrying the conversion, and imports it converted when asked", async () => {
    const pkg = policyInput().packagePath;
    const body = { files: { "policy.rego": v0Source(pkg) }, name: "Imported v0", owner: "t" };
    const refused = await callApi("/api/v1/policies/import", { token, body });
    expect(refused.status).toBe(422);
    expect(refused.body.regoVersion.detected).toBe("v0");
    expect(await db.policy.count({ where: { packagePath: pkg } })).toBe(0);
    const imported = await callApi("/api/v1/policies/import", { token, body: { ...body, regoV0: "convert" } });
    expect(imported.status).toBe(201);
    expect(imported.body.head).toMatchObject({ regoVersion: "v1", source: refused.body.regoVersion.converted });
  });
});

describe("the editor's conversion in the browser", () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    ({ page } = await signedInPage(browser, ["author"]));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("recognises pasted v0, shows the conversion as a diff and saves it as the next version", async () => {
    const input = policyInput();
    const created = await callApi("/api/v1/policies", { token, body: input });
    await page.goto(`/policies/${created.body.id}`);
    await page.locator(".monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(v0Source(input.packagePath));
    await page.getByText("This module is written in Rego v0").waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: "Convert to v1…" }).click();
    const diff = page.getByTestId("conversion-diff");
    await diff.locator(".line-insert, .char-insert").first().waitFor({ timeout: 15_000 });
    expect((await diff.textContent())!.replace(/\u00a0/g, " ")).toContain("import rego.v1");
    await page.getByRole("button", { name: "Save converted as v2" }).click();
    await page.getByText("Saved version 2").waitFor();
    const head = await callApi(`/api/v1/policies/${created.body.id}`, { token });
    expect(head.body.head).toMatchObject({ number: 2, regoVersion: "v1", message: "Converted to Rego v1" });
    expect(head.body.head.source).toContain("allow if {");
  });
});
