import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { applyRepositoryImport } from "@/lib/policy-repository/apply-repository-import";
import { readRepositoryUpload } from "@/lib/policy-repository/read-repository-upload";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { createTestUser } from "@/test/factories/actors";
import { rawOpaTest } from "@/test/support/raw-opa-test";
import { generatePolicyRepository, writeRepository, zipRepository } from "@/test/factories/policy-repository";

// Every Rego test of an imported repository gets, in Verdict, the verdict `opa test` gives it on the
// repository's own files: libraries imported across packages, multi-file packages joined, data documents.
const repo = generatePolicyRepository({ libraries: 8, applications: 16, testsPerPackage: 5, outcomes: true });
const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-repo-agreement-"));
let author: Actor;

beforeAll(async () => {
  author = await createTestUser(["author"]);
  writeRepository(dir, repo);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("an imported repository agrees with opa test", () => {
  it("gives every Rego test the outcome opa test gives it on the same files", async () => {
    const raw = rawOpaTest(dir);
    expect(Object.keys(raw)).toHaveLength(24 * 5 + 3);
    expect(new Set(Object.values(raw))).toEqual(new Set(["passed", "failed", "error", "skipped"]));
    const imported = await applyRepositoryImport({
      actor: author,
      entries: await readRepositoryUpload({ kind: "archive", bytes: zipRepository(repo) }),
    });
    expect(imported.created).toHaveLength(24);
    expect(await verdictOutcomes(imported.created)).toEqual(raw);
  });

  it("converts Rego v0 files on import, and their tests agree with opa test --v0-compatible", async () => {
    const v0 = {
      "legacy/lib/lib.rego": 'package legacy.lib\n\nadmins = {"alice", "bob"}\n\nis_admin(u) { admins[u] }\n',
      "legacy/app/app.rego":
        'package legacy.app\n\nimport data.legacy.lib\n\ndefault allow = false\n\nallow { lib.is_admin(input.user) }\n\ndeny[msg] { not allow; msg := "not an admin" }\n',
      "legacy/app/app_test.rego":
        'package legacy.app_test\n\nimport data.legacy.app\n\ntest_admin { app.allow with input as {"user": "alice"} }\n\ntest_denied { app.deny["not an admin"] with input as {"user": "eve"} }\n\ntest_wrong { app.allow with input as {"user": "eve"} }\n',
    };
    const v0dir = mkdtempSync(path.join(os.tmpdir(), "verdict-repo-v0-"));
    try {
      writeRepository(v0dir, v0);
      const raw = rawOpaTest(v0dir, ["--v0-compatible"]);
      expect(Object.values(raw).sort()).toEqual(["failed", "passed", "passed"]);
      const imported = await applyRepositoryImport({
        actor: author,
        entries: await readRepositoryUpload({ kind: "archive", bytes: zipRepository(v0) }),
      });
      expect(imported.preview.convertedFromV0).toEqual(Object.keys(v0).sort());
      expect(imported.created.map((c) => c.packagePath).sort()).toEqual(["legacy.app", "legacy.lib"]);
      expect(await verdictOutcomes(imported.created)).toEqual(raw);
    } finally {
      rmSync(v0dir, { recursive: true, force: true });
    }
  });
});

async function verdictOutcomes(policies: Array<{ policyId: string; packagePath: string }>) {
  const verdict: Record<string, string> = {};
  for (const policy of policies) {
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.policyId,
      input: { version: 1, timeoutMs: 5000 },
    });
    // A library without tests of its own runs nothing, which Verdict says as an error of the run.
    expect(
      run.errors.filter((e) => e.code !== "no_tests"),
      policy.packagePath,
    ).toEqual([]);
    for (const t of run.regoTests) verdict[`${t.package}.${t.name}`] = t.status;
  }
  return verdict;
}
