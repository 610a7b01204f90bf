import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { unzipSync, strFromU8 } from "fflate";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/core/db";
import { appUrl, callApi, tokenFor } from "@/test/support/api";
import { policyInput } from "@/test/factories/sample-policies";
import { completeCases, refundCases, refundPolicy, refundTests } from "@/test/factories/policy-tests";

let token: string;
let viewerToken: string;

beforeAll(async () => {
  token = (await tokenFor(["author"])).token;
  viewerToken = (await tokenFor(["viewer"])).token;
});

async function createRefundPolicy(cases = refundCases().filter((c) => c.name !== "wrong expectation")) {
  const input = policyInput();
  const res = await callApi("/api/v1/policies", {
    token,
    body: {
      ...input,
      source: refundPolicy(input.packagePath),
      testSource: refundTests(input.packagePath),
      testCases: completeCases(cases, input.packagePath),
    },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; packagePath: string; head: { number: number } };
}

describe("test runs over HTTP with an API token (CI)", () => {
  it("runs the head version and answers the documented shape with an overall pass/fail", async () => {
    const policy = await createRefundPolicy();
    // The app's database is shared by the e2e files: once any of them has published a bundle,
    // runs assemble their context from the published revisions instead of head versions.
    const published = (await db.bundleRevision.count()) > 0;
    const res = await callApi(`/api/v1/policies/${policy.id}/test-runs`, { token, body: { version: "head" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      policyId: policy.id,
      version: 1,
      inline: false,
      stored: true,
      status: "passed",
      passed: true,
      summary: { total: 7, passed: 7, failed: 0, errors: 0, skipped: 0 },
      opaVersion: "1.22.2",
      context: { assembledFrom: published ? "published" : "head-versions" },
      coverage: { percent: expect.any(Number) },
    });
    expect(res.body.cases[0]).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        name: expect.any(String),
        status: "passed",
        durationMs: expect.any(Number),
      }),
    );
    const list = await callApi(`/api/v1/policies/${policy.id}/test-runs?version=1`, { token: viewerToken });
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
    const one = await callApi(`/api/v1/policies/${policy.id}/test-runs/${res.body.id}`, { token: viewerToken });
    expect(one.body).toMatchObject({ id: res.body.id, passed: true });
  });

  it("refuses bad requests precisely and stores nothing", async () => {
    const policy = await createRefundPolicy();
    const before = await db.testRun.count();
    const url = `/api/v1/policies/${policy.id}/test-runs`;
    const cases = [
      [{}, "body.version"],
      [{ version: 1, inline: { source: "package x" } }, "body.version"],
      [{ version: 1, timeoutMs: 10 }, "body.timeoutMs"],
      [{ inline: { source: "package x", cases: [{ name: "q", query: "data.x[" }] } }, "body.inline.cases.0.query"],
      [{ inline: { source: "package x", cases: [{ name: "" }] } }, "body.inline.cases.0.name"],
      [{ version: "latest" }, "body.version"],
    ] as const;
    for (const [body, field] of cases) {
      const res = await callApi(url, { token, body });
      expect({ body, status: res.status, type: res.headers.get("content-type") }).toEqual({
        body,
        status: 422,
        type: "application/problem+json",
      });
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(
      (
        await callApi(`/api/v1/policies/00000000-0000-4000-8000-000000000000/test-runs`, {
          token,
          body: { version: 1 },
        })
      ).status,
    ).toBe(404);
    expect((await callApi(url, { token: viewerToken, body: { version: 1 } })).status).toBe(403);
    expect(await db.testRun.count()).toBe(before);
  });
});

describe("import and export as plain files", () => {
  it("exports a zip that opa test runs directly, with the same results as Verdict", async () => {
    const policy = await createRefundPolicy();
    const res = await fetch(`${appUrl()}/api/v1/policies/${policy.id}/export`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    const files = Object.fromEntries(
      Object.entries(unzipSync(new Uint8Array(await res.arrayBuffer()))).map(([n, b]) => [n, strFromU8(b)]),
    );
    expect(Object.keys(files).sort()).toEqual(["cases.json", "policy.rego", "policy_test.rego"]);
    expect(JSON.parse(files["cases.json"]!).cases).toContainEqual({
      name: "unknown rule is undefined",
      query: `data.${policy.packagePath}.no_such_rule`,
      input: expect.any(Object),
      undefined: true,
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-export-"));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      const out = JSON.parse(
        execFileSync(inject("testEnv").opaBin, ["test", "-f", "json", "."], { cwd: dir, encoding: "utf8" }),
      ) as Array<{ name: string; fail?: boolean }>;
      expect(out.map((t) => [t.name, !t.fail])).toEqual(
        expect.arrayContaining([
          ["test_small_refund_allowed", true],
          ["test_night_refund_denied", true],
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("imports files (YAML cases too) as the next version, and refuses files that are not a policy", async () => {
    const policy = await createRefundPolicy();
    const exported = await callApi(`/api/v1/policies/${policy.id}/export?format=json`, { token });
    expect(exported.status).toBe(200);
    const yaml = `cases:\n  - name: from yaml\n    input: {action: refund, subject: {team: payments}, amount: 1, time: "2026-01-05T10:00:00Z"}\n    expected: true\n  - name: nothing\n    query: data.${policy.packagePath}.nope\n    undefined: true\n`;
    const files = {
      "policy.rego": exported.body.files["policy.rego"],
      "policy_test.rego": exported.body.files["policy_test.rego"],
      "cases.yaml": yaml,
    };
    const imported = await callApi(`/api/v1/policies/${policy.id}/import`, {
      token,
      body: { files, expectedVersion: 1 },
    });
    expect(imported.status).toBe(201);
    expect(
      imported.body.version.testCases.map((c: { name: string; expected: string }) => [c.name, c.expected]),
    ).toEqual([
      ["from yaml", "true"],
      ["nothing", "undefined"],
    ]);
    const versions = await db.policyVersion.count({ where: { policyId: policy.id } });
    const bad = await callApi(`/api/v1/policies/${policy.id}/import`, {
      token,
      body: { files: { "a.rego": "package a", "b.rego": "package b", "notes.txt": "x" }, expectedVersion: 2 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.files", "body.files.notes.txt"]);
    const badCases = await callApi(`/api/v1/policies/${policy.id}/import`, {
      token,
      body: { files: { ...files, "cases.yaml": "cases:\n  - name: x\n    expect: true\n" }, expectedVersion: 2 },
    });
    expect(badCases.status).toBe(422);
    const stale = await callApi(`/api/v1/policies/${policy.id}/import`, { token, body: { files, expectedVersion: 1 } });
    expect(stale.status).toBe(409);
    expect(await db.policyVersion.count({ where: { policyId: policy.id } })).toBe(versions);
  });

  it("creates a new policy from files, its package taken from policy.rego", async () => {
    const pkg = policyInput().packagePath;
    const res = await callApi("/api/v1/policies/import", {
      token,
      body: {
        name: "Imported",
        owner: "team",
        files: {
          "policy.rego": refundPolicy(pkg),
          "cases.json": JSON.stringify({ cases: [{ name: "c", expected: false }] }),
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      packagePath: pkg,
      head: { number: 1, testCases: [{ name: "c", expected: "false", input: "" }] },
    });
  });
});
