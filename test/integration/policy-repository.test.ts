import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import tar from "tar-stream";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { createPolicy } from "@/lib/policies/create-policy";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { applyRepositoryImport } from "@/lib/policy-repository/apply-repository-import";
import { exportPolicyWorkspace } from "@/lib/policy-repository/export-policy-workspace";
import { previewRepositoryImport } from "@/lib/policy-repository/preview-repository-import";
import { readRepositoryRequest } from "@/lib/policy-repository/read-repository-request";
import { readRepositoryUpload, type RepositoryEntry } from "@/lib/policy-repository/read-repository-upload";
import { repositoryDataDocuments } from "@/lib/policy-repository/repository-data-provider";
import { createTestUser } from "@/test/factories/actors";
import { generatePolicyRepository, writeRepository, zipRepository } from "@/test/factories/policy-repository";

let author: Actor;
let viewer: Actor;
beforeAll(async () => {
  author = await createTestUser(["author"]);
  viewer = await createTestUser(["viewer"]);
});

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const entriesOf = (files: Record<string, string>): Promise<RepositoryEntry[]> =>
  readRepositoryUpload({ kind: "files", files: Object.entries(files).map(([p, content]) => ({ path: p, content })) });

const counts = async () => ({
  policies: await db.policy.count(),
  versions: await db.policyVersion.count(),
  data: await db.repositoryDataDocument.count(),
  audit: await db.auditEvent.count(),
  changeRequests: await db.changeRequest.count(),
});

function opa(args: string[], cwd: string) {
  return spawnSync(inject("testEnv").opaBin, args, { cwd, encoding: "utf8" });
}

describe("whole-repository import", () => {
  const repo = generatePolicyRepository({ libraries: 6, applications: 10, testsPerPackage: 3 });

  it("previews every package as a policy, joins multi-file packages, attaches tests and data, and writes nothing", async () => {
    const before = await counts();
    const { preview } = await previewRepositoryImport({
      actor: viewer,
      entries: await readRepositoryUpload({ kind: "archive", bytes: zipRepository(repo) }),
    });
    expect(await counts()).toEqual(before);
    expect(preview.refusals).toEqual([]);
    expect(preview.summary).toMatchObject({ new: 16, changed: 0, unchanged: 0, refused: 0 });
    const lib1 = preview.policies.find((p) => p.packagePath === "lib.l1")!;
    expect(lib1).toMatchObject({
      directory: "lib/l1",
      files: ["lib/l1/limits.rego", "lib/l1/roles.rego"],
      testFiles: ["lib/l1/lib_test.rego"],
      status: "new",
    });
    const app2 = preview.policies.find((p) => p.packagePath === "apps.p2")!;
    expect(app2.testFiles).toEqual(["apps/p2/more_test.rego", "apps/p2/policy_test.rego"]);
    expect(preview.data.map((d) => d.path)).toEqual(["config/l0", "config/l2", "config/l4", "global"]);
    expect(preview.ignored.files).toEqual(["README.md"]);
  });

  it("applies in one transaction with audit events, and a second import of the same files changes nothing", async () => {
    const entries = await entriesOf(repo);
    const { preview } = await previewRepositoryImport({ actor: author, entries });
    const before = await counts();
    const result = await applyRepositoryImport({ actor: author, entries, expectedPlanHash: preview.planHash });
    expect(result.created).toHaveLength(16);
    expect(result.data.created).toEqual(["config/l0", "config/l2", "config/l4", "global"]);
    const after = await counts();
    expect(after.policies - before.policies).toBe(16);
    expect(after.versions - before.versions).toBe(16);
    // One event per policy and one for the import.
    expect(after.audit - before.audit).toBe(17);
    expect(await verifyAuditChain()).toMatchObject({ ok: true });
    const joined = await db.policyVersion.findFirstOrThrow({ where: { policy: { packagePath: "lib.l1" } } });
    expect(joined.source.match(/^package lib\.l1$/gm)).toHaveLength(1);
    expect(joined.source).toContain("# from limits.rego");

    const again = await applyRepositoryImport({ actor: author, entries: await entriesOf(repo) });
    expect(again.preview.summary).toMatchObject({ new: 0, changed: 0, unchanged: 16, dataChanged: 0 });
    expect(again.created.length + again.updated.length).toBe(0);
    expect(await counts()).toEqual(after);
  });

  it("makes new versions only where content changed and opens one change request for all of them", async () => {
    const changed = {
      ...repo,
      "apps/p3/policy.rego": `${repo["apps/p3/policy.rego"]}\nextra := true\n`,
      "lib/l4/lib_test.rego": `${repo["lib/l4/lib_test.rego"]}test_extra if limit == 104\n`,
      "config/l0/data.json": '{"limit": 100, "note": "changed"}\n',
    };
    const before = await counts();
    const result = await applyRepositoryImport({
      actor: author,
      entries: await entriesOf(changed),
      changeRequest: { title: "Sync from git" },
    });
    expect(result.updated.map((u) => [u.packagePath, u.version])).toEqual([
      ["apps.p3", 2],
      ["lib.l4", 2],
    ]);
    expect(result.preview.policies.find((p) => p.packagePath === "lib.l4")!.changes).toEqual(["tests"]);
    expect(result.data.updated).toEqual(["config/l0"]);
    const after = await counts();
    expect(after.versions - before.versions).toBe(2);
    expect(after.changeRequests - before.changeRequests).toBe(1);
    const cr = await db.changeRequest.findUniqueOrThrow({
      where: { number: result.changeRequest!.number },
      include: { items: { include: { policyVersion: { include: { policy: true } } } } },
    });
    expect(cr.items.map((i) => [i.policyVersion!.policy.packagePath, i.policyVersion!.number]).sort()).toEqual([
      ["apps.p3", 2],
      ["lib.l4", 2],
    ]);
  });

  it("refuses an apply whose preview is stale and a viewer's apply", async () => {
    const { preview } = await previewRepositoryImport({ actor: author, entries: await entriesOf(repo) });
    const stale = { ...repo, "apps/p4/policy.rego": `${repo["apps/p4/policy.rego"]}\nmore := 1\n` };
    expect(
      (
        await refusal(
          applyRepositoryImport({ actor: author, entries: await entriesOf(stale), expectedPlanHash: preview.planHash }),
        )
      ).status,
    ).toBe(409);
    expect((await refusal(applyRepositoryImport({ actor: viewer, entries: await entriesOf(stale) }))).status).toBe(403);
  });

  it("ships imported data documents in bundles whose roots cover them", async () => {
    const docs = await db.$transaction((tx) => repositoryDataDocuments(tx, { id: "x", name: "x", roots: ["config"] }));
    expect(docs.map((d) => d.path)).toEqual(["config/l0", "config/l2", "config/l4"]);
    expect(docs[0]!.value).toEqual({ limit: 100, note: "changed" });
  });

  it("exports a folder tree that opa test and opa build run unchanged and that imports back as unchanged", async () => {
    await createPolicy({
      actor: author,
      input: {
        name: "With cases",
        packagePath: "cases.demo",
        owner: "t",
        description: "",
        message: "",
        source: "package cases.demo\n\nallow if input.ok\n",
        testCases: [{ name: "ok", query: "", input: '{"ok":true}', data: "", expected: "true" }],
      },
    });
    const { files, tarGz } = await exportPolicyWorkspace({ actor: viewer });
    expect(files.map((f) => f.name)).toContain("cases/demo/cases.json");
    expect(files.map((f) => f.name)).toContain("lib/l1/policy.rego");
    const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-export-"));
    try {
      writeRepository(dir, Object.fromEntries(files.map((f) => [f.name, f.content.toString("utf8")])));
      const tested = opa(["test", "-f", "json", "."], dir);
      expect(tested.status, tested.stderr).toBe(0);
      expect((JSON.parse(tested.stdout) as unknown[]).length).toBe(16 * 3 + 1);
      const built = opa(["build", "-o", path.join(dir, "bundle.tar.gz"), "."], dir);
      expect(built.status, built.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const before = await counts();
    const back = await applyRepositoryImport({
      actor: author,
      entries: await readRepositoryUpload({ kind: "archive", bytes: tarGz }),
    });
    expect(back.preview.refusals).toEqual([]);
    expect(back.preview.summary).toMatchObject({ new: 0, changed: 0, unchanged: 17, dataChanged: 0 });
    expect(await counts()).toEqual(before);
  });
});

describe("manifest roots, cases and test attachment", () => {
  it("imports a Gatekeeper-style template: a capitalised package that imports a library package, with its tests", async () => {
    const files = {
      "lib/exclude_update/exclude_update.rego":
        'package lib.exclude_update\n\nis_update(review) if review.operation == "UPDATE"\n',
      "K8sBlockWildcardIngress/src.rego": [
        "package K8sBlockWildcardIngress",
        "",
        "import data.lib.exclude_update.is_update",
        "",
        "violation contains msg if {",
        "\tnot is_update(input.review)",
        "\tsome rule in input.review.object.spec.rules",
        '\trule.host == "*"',
        '\tmsg := "wildcard host"',
        "}",
        "",
      ].join("\n"),
      "K8sBlockWildcardIngress/src_test.rego": [
        "package K8sBlockWildcardIngress",
        "",
        "test_wildcard_denied if {",
        '\tcount(violation) == 1 with input as {"review": {"operation": "CREATE", "object": {"spec": {"rules": [{"host": "*"}]}}}}',
        "}",
        "",
        "test_update_allowed if {",
        '\tcount(violation) == 0 with input as {"review": {"operation": "UPDATE", "object": {"spec": {"rules": [{"host": "*"}]}}}}',
        "}",
        "",
      ].join("\n"),
    };
    const entries = await entriesOf(files);
    const { preview } = await previewRepositoryImport({ actor: author, entries });
    expect(preview.refusals).toEqual([]);
    expect(preview.policies.map((p) => p.packagePath).sort()).toEqual([
      "K8sBlockWildcardIngress",
      "lib.exclude_update",
    ]);
    await applyRepositoryImport({ actor: author, entries, expectedPlanHash: preview.planHash });
    const template = await db.policy.findUniqueOrThrow({ where: { packagePath: "K8sBlockWildcardIngress" } });
    const run = await runPolicyTests({
      actor: author,
      policyId: template.id,
      input: { version: "head", timeoutMs: 10_000 },
    });
    expect(run.status).toBe("passed");
    expect(run.summary).toMatchObject({ total: 2, passed: 2 });
  });

  it("checks packages and data against the manifest's roots, and reads cases.json as the policy's cases", async () => {
    const { preview, writes } = await previewRepositoryImport({
      actor: author,
      entries: await entriesOf({
        ".manifest": JSON.stringify({ roots: ["inside"] }),
        "inside/p/policy.rego": "package inside.p\n\nallow if input.ok\n",
        "inside/p/cases.json": JSON.stringify({ cases: [{ name: "ok", input: { ok: true }, expected: true }] }),
        "inside/p/checks_test.rego":
          "package tests.anything\n\nimport data.inside.p\n\ntest_ok if p.allow with input.ok as true\n",
        "outside/q/policy.rego": "package outside.q\n\nallow := true\n",
        "outside/data.json": '{"x": {"y": 1}}',
      }),
    });
    expect(preview.roots).toEqual(["inside"]);
    expect(preview.refusals).toEqual([
      { packagePath: "outside.q", message: "package outside.q is outside the manifest's roots" },
      { file: "outside/data.json", message: "data at outside is outside the manifest's roots" },
    ]);
    const p = preview.policies.find((x) => x.packagePath === "inside.p")!;
    // A test package named after nothing attaches to the one policy of its directory.
    expect([p.testFiles, p.casesFile]).toEqual([["inside/p/checks_test.rego"], "inside/p/cases.json"]);
    expect(writes.policies.find((w) => w.item.packagePath === "inside.p")!.suite.cases).toEqual([
      expect.objectContaining({ name: "ok", expected: "true", input: '{\n  "ok": true\n}' }),
    ]);
  });

  it("lets one of two concurrent imports of the same new repository win; the other gets 409 and writes nothing", async () => {
    const files = {
      "race/p/policy.rego": "package race.p\n\nallow := true\n",
      "race/conf/data.json": '{"n": 1}',
    };
    const before = await counts();
    const results = await Promise.allSettled([
      applyRepositoryImport({ actor: author, entries: await entriesOf(files) }),
      applyRepositoryImport({ actor: author, entries: await entriesOf(files) }),
    ]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(rejected.map((r) => (r.reason as AppError).status)).toEqual([409]);
    const after = await counts();
    expect([after.policies - before.policies, after.data - before.data]).toEqual([1, 1]);
  });

  it("refuses a test file that belongs to no policy", async () => {
    const { preview } = await previewRepositoryImport({
      actor: author,
      entries: await entriesOf({
        "a/one.rego": "package two.a\n\nx := 1\n",
        "a/two.rego": "package two.b\n\ny := 1\n",
        "a/orphan_test.rego": "package nobody_test\n\ntest_x if true\n",
      }),
    });
    expect(preview.refusals).toEqual([
      expect.objectContaining({ file: "a/orphan_test.rego", message: expect.stringMatching(/belongs to no policy/) }),
    ]);
  });
});

describe("what a repository may not hold", () => {
  it("refuses two files of one package that bind an import name to different paths, naming both", async () => {
    const { preview } = await previewRepositoryImport({
      actor: author,
      entries: await entriesOf({
        "x/lib.rego": "package other.one\n\nok := true\n",
        "y/lib.rego": "package other.two\n\nok := true\n",
        "alias/a.rego": "package alias.p\n\nimport data.other.one as lib\n\na := lib.ok\n",
        "alias/b.rego": "package alias.p\n\nimport data.other.two as lib\n\nb := lib.ok\n",
      }),
    });
    expect(preview.refusals).toEqual([
      expect.objectContaining({
        packagePath: "alias.p",
        message: expect.stringMatching(/alias\/a\.rego.*alias\/b\.rego/),
      }),
    ]);
  });

  it("refuses the same package in two directories and writes nothing", async () => {
    const before = await counts();
    const error = await refusal(
      applyRepositoryImport({
        actor: author,
        entries: await entriesOf({
          "fine/policy.rego": "package dup.fine\n\nallow := true\n",
          "one/policy.rego": "package dup.twice\n\nallow := true\n",
          "two/policy.rego": "package dup.twice\n\ndeny := true\n",
        }),
      }),
    );
    expect(error.status).toBe(422);
    expect(JSON.stringify(error.extra?.refusals)).toMatch(/dup\.twice is declared in more than one directory/);
    expect(await counts()).toEqual(before);
  });

  it("refuses a repository whose modules do not compile together, pointing at the file and line", async () => {
    const { preview } = await previewRepositoryImport({
      actor: author,
      entries: await entriesOf({
        "uses/policy.rego": "package broken.uses\n\nimport data.broken.lib\n\nallow if lib.missing(1)\n",
        "lib/policy.rego": "package broken.lib\n\nok := true\n",
      }),
    });
    expect(preview.refusals).toEqual([
      expect.objectContaining({ file: "uses/policy.rego", message: expect.stringMatching(/^line 5: .*missing/) }),
    ]);
  });

  it("refuses non-UTF-8 text with 422", async () => {
    const zip = Buffer.from(
      zipSync({
        "good/policy.rego": strToU8("package good\n"),
        "bad/policy.rego": new Uint8Array([0x70, 0x61, 0xff, 0xfe, 0x0a]),
      }),
    );
    const entries = await readRepositoryUpload({ kind: "archive", bytes: zip });
    const error = await refusal(previewRepositoryImport({ actor: author, entries }));
    expect([error.status, error.message]).toEqual([422, "bad/policy.rego is not UTF-8 text; nothing was imported"]);
  });

  it.each([
    ["a parent-directory path", "../x.rego"],
    ["a nested parent-directory path", "a/../../x.rego"],
    ["an absolute path", "/etc/x.rego"],
    ["a Windows path", "C:\\x.rego"],
  ])("refuses %s in a zip with 400", async (_what, name) => {
    const zip = Buffer.from(zipSync({ [name]: strToU8("package x\n") }));
    const error = await refusal(readRepositoryUpload({ kind: "archive", bytes: zip }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("The repository was refused");
  });

  it.each([
    ["a symlink", { name: "lib/link.rego", type: "symlink" as const, linkname: "/etc/passwd" }, /is a link/],
    ["a hard link", { name: "lib/hard.rego", type: "link" as const, linkname: "lib/a.rego" }, /is a link/],
    ["a parent-directory path", { name: "../../evil.rego", type: "file" as const }, /leaves the repository/],
    ["an absolute path", { name: "/tmp/evil.rego", type: "file" as const }, /is absolute/],
  ])("refuses %s in a tarball with 400", async (_what, header, message) => {
    const tarball = await tarOf([
      { name: "lib/a.rego", type: "file", content: "package lib.a\n" },
      { ...header, content: "package x\n" },
    ]);
    const error = await refusal(readRepositoryUpload({ kind: "archive", bytes: tarball }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it("refuses a zip bomb while inflating, before it is held in memory", async () => {
    const zeros = new Uint8Array(1_900_000);
    const bomb = Buffer.from(
      zipSync(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}/data.json`, zeros])), { level: 9 }),
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const error = await refusal(readRepositoryUpload({ kind: "archive", bytes: bomb }));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/zip bomb/);
  });

  it("refuses a gzip'd tarball that inflates past the total bound", async () => {
    const big = await tarOf(
      Array.from({ length: 40 }, (_, i) => ({
        name: `d${i}/data.json`,
        type: "file" as const,
        content: " ".repeat(1_900_000),
      })),
      false,
    );
    const error = await refusal(readRepositoryUpload({ kind: "archive", bytes: gzipSync(big) }));
    expect(error.status).toBe(413);
  });

  it("refuses 10,000 files in a zip and in the JSON form", async () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`p/f${i}.txt`, strToU8("x")]));
    const error = await refusal(
      readRepositoryUpload({ kind: "archive", bytes: Buffer.from(zipSync(many, { level: 0 })) }),
    );
    expect([error.status, error.message]).toEqual([413, "The repository holds more than 5000 files"]);
    const body = JSON.stringify({
      files: Array.from({ length: 10_000 }, (_, i) => ({ path: `f${i}.rego`, content: "" })),
    });
    const request = new Request("http://x/", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect((await refusal(readRepositoryRequest(request))).status).toBe(422);
  });

  it("refuses an archive that is neither zip nor tar", async () => {
    const error = await refusal(readRepositoryUpload({ kind: "archive", bytes: Buffer.from("hello, not an archive") }));
    expect(error.status).toBe(400);
  });
});

type TarEntry = { name: string; type: "file" | "symlink" | "link"; content: string; linkname?: string };

async function tarOf(entries: TarEntry[], gzip = true): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on("end", () => resolve()));
  for (const e of entries) {
    const content = e.type === "file" ? Buffer.from(e.content) : Buffer.alloc(0);
    pack.entry({ name: e.name, type: e.type, linkname: e.linkname, size: content.length }, content);
  }
  pack.finalize();
  await done;
  const raw = Buffer.concat(chunks);
  return gzip ? gzipSync(raw) : raw;
}
