import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { strToU8, zipSync } from "fflate";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appUrl, callApi, tokenFor } from "@/test/support/api";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { writeRepository, zipRepository } from "@/test/factories/policy-repository";

const stamp = Date.now().toString(36);

/** A small repository under its own top-level package, so it meets no other test's policies. */
function repository(top: string): Record<string, string> {
  return {
    [`${top}/lib/a.rego`]: `package ${top}.lib\n\nimport rego.v1\n\nadmins := {"alice"}\n`,
    [`${top}/lib/b.rego`]: `package ${top}.lib\n\nis_admin(u) if u in admins\n`,
    [`${top}/app/policy.rego`]: `package ${top}.app\n\nimport data.${top}.lib\n\ndefault allow := false\n\nallow if lib.is_admin(input.user)\n\nallow if input.user in data.${top}.config.extra\n`,
    [`${top}/app/policy_test.rego`]: `package ${top}.app_test\n\nimport data.${top}.app\n\ntest_admin if app.allow with input.user as "alice"\n`,
    [`${top}/config/data.json`]: '{"extra": ["carol"]}\n',
  };
}

let author: string;
let viewer: string;
beforeAll(async () => {
  author = (await tokenFor(["author"])).token;
  viewer = (await tokenFor(["viewer"])).token;
});

const importPath = (query: Record<string, string> = {}) =>
  `/api/v1/policy-repository/import?${new URLSearchParams(query)}`;

describe("repository import over HTTP", () => {
  const top = `http${stamp}`;
  const zip = zipRepository(repository(top));
  const asZip = { "content-type": "application/zip" };

  it("previews a zip, applies it, and a second apply changes nothing", async () => {
    const preview = await callApi(importPath(), { token: author, body: zip, headers: asZip });
    expect(preview.status).toBe(200);
    expect(preview.body.summary).toMatchObject({ new: 2, changed: 0, refused: 0 });
    expect(preview.body.data).toEqual([{ path: `${top}/config`, file: `${top}/config/data.json`, status: "new" }]);
    const applied = await callApi(importPath({ dryRun: "false", expectedPlanHash: preview.body.planHash }), {
      token: author,
      body: zip,
      headers: asZip,
    });
    expect(applied.status).toBe(201);
    expect(applied.body.created).toHaveLength(2);
    const again = await callApi(importPath({ dryRun: "false" }), { token: author, body: zip, headers: asZip });
    expect([again.status, again.body.created.length, again.body.updated.length]).toEqual([200, 0, 0]);
  });

  it("takes the JSON form, and exports a tar.gz that holds the imported policies and data", async () => {
    const files = Object.entries(repository(top)).map(([p, content]) => ({ path: p, content }));
    const preview = await callApi(importPath(), { token: author, body: { files } });
    expect([preview.status, preview.body.summary.unchanged]).toEqual([200, 2]);
    const res = await fetch(`${appUrl()}/api/v1/policy-repository/export`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "application/gzip"]);
    const tarText = gunzipSync(Buffer.from(await res.arrayBuffer())).toString("latin1");
    for (const name of [`${top}/lib/policy.rego`, `${top}/app/policy_test.rego`, `${top}/config/data.json`])
      expect(tarText).toContain(name);
  });

  it("refuses hostile uploads with a 4xx problem and a viewer's apply with 403", async () => {
    const traversal = Buffer.from(zipSync({ "../evil.rego": strToU8("package evil\n") }));
    const refused = await callApi(importPath(), { token: author, body: traversal, headers: asZip });
    expect([refused.status, refused.body.detail]).toEqual([400, expect.stringContaining("leaves the repository")]);
    const many = { files: Array.from({ length: 10_000 }, (_, i) => ({ path: `f${i}.rego`, content: "" })) };
    expect((await callApi(importPath(), { token: author, body: many })).status).toBe(422);
    const duplicate = {
      files: [
        { path: "one/p.rego", content: `package dup${stamp}\n` },
        { path: "two/p.rego", content: `package dup${stamp}\n` },
      ],
    };
    const dup = await callApi(importPath({ dryRun: "false" }), { token: author, body: duplicate });
    expect(dup.status).toBe(422);
    expect(JSON.stringify(dup.body.refusals)).toContain("declared in more than one directory");
    expect((await callApi(importPath({ dryRun: "false" }), { token: viewer, body: zip, headers: asZip })).status).toBe(
      403,
    );
    expect((await callApi(importPath({ dryRun: "maybe" }), { token: author, body: zip, headers: asZip })).status).toBe(
      422,
    );
  });
});

describe("repository import in the browser", () => {
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-e2e-repo-"));
  beforeAll(async () => {
    browser = await launchChromium();
    page = (await signedInPage(browser, ["author"])).page;
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads a folder, shows the preview, and applies it as one change request", async () => {
    const top = `web${stamp}`;
    writeRepository(path.join(dir, "policies"), repository(top));
    await page.goto("/policies/repository");
    await page.getByLabel("A folder").setInputFiles(path.join(dir, "policies"));
    const policies = page.getByRole("table", { name: "Policies" });
    await policies.getByText(`${top}.lib`, { exact: true }).waitFor();
    await expect(policies.getByText(`${top}/lib/a.rego, ${top}/lib/b.rego`).count()).resolves.toBe(1);
    await expect(
      page.getByRole("table", { name: "Data documents" }).getByText(`data.${top}.config`).count(),
    ).resolves.toBe(1);
    await page.getByLabel(/Open one change request/).fill("Sync from the repository");
    await page.getByRole("button", { name: "Apply import" }).click();
    const done = page.getByRole("status").filter({ hasText: "Imported 2 new" });
    await done.waitFor();
    await done.getByRole("link", { name: /Change request #\d+/ }).waitFor();
  });

  it("shows what a zip refuses and keeps Apply disabled", async () => {
    const zip = zipSync({
      "r/one/p.rego": strToU8(`package webdup${stamp}\n`),
      "r/two/p.rego": strToU8(`package webdup${stamp}\n`),
    });
    await page.goto("/policies/repository");
    await page.getByLabel("…or a zip or tarball").setInputFiles({
      name: "repo.zip",
      mimeType: "application/zip",
      buffer: Buffer.from(zip),
    });
    await page
      .getByRole("table", { name: "Refused" })
      .getByText(/declared in more than one directory/)
      .waitFor();
    expect(await page.getByRole("button", { name: "Apply import" }).isDisabled()).toBe(true);
  });
});
