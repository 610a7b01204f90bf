import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { applyRepositoryImport } from "@/lib/policy-repository/apply-repository-import";
import { readRepositoryUpload } from "@/lib/policy-repository/read-repository-upload";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { createTestUser } from "@/test/factories/actors";
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

function rawOpaTest(): Record<string, string> {
  const result = spawnSync(inject("testEnv").opaBin, ["test", "-f", "json", "."], { cwd: dir, encoding: "utf8" });
  const tests = JSON.parse(result.stdout) as Array<{
    package: string;
    name: string;
    fail?: boolean;
    skip?: boolean;
    error?: unknown;
  }>;
  return Object.fromEntries(
    tests.map((t) => [`${t.package}.${t.name}`, t.skip ? "skipped" : t.error ? "error" : t.fail ? "failed" : "passed"]),
  );
}

describe("an imported repository agrees with opa test", () => {
  it("gives every Rego test the outcome opa test gives it on the same files", async () => {
    const raw = rawOpaTest();
    expect(Object.keys(raw)).toHaveLength(24 * 5 + 3);
    expect(new Set(Object.values(raw))).toEqual(new Set(["passed", "failed", "error", "skipped"]));
    const imported = await applyRepositoryImport({
      actor: author,
      entries: await readRepositoryUpload({ kind: "archive", bytes: zipRepository(repo) }),
    });
    expect(imported.created).toHaveLength(24);
    const verdict: Record<string, string> = {};
    for (const policy of imported.created) {
      const run = await runPolicyTests({
        actor: author,
        policyId: policy.policyId,
        input: { version: 1, timeoutMs: 5000 },
      });
      expect(run.errors, policy.packagePath).toEqual([]);
      for (const t of run.regoTests) verdict[`${t.package}.${t.name}`] = t.status;
    }
    expect(verdict).toEqual(raw);
  });
});
