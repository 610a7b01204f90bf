import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { declaredPackage } from "@/lib/rego/rego-package";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { createTestUser } from "@/test/factories/actors";
import { rawOpaTest } from "@/test/support/raw-opa-test";

// Verdict's verdict on each Rego test must be exactly what `opa test` says on the same files.
const FIXTURES = path.join(process.cwd(), "test", "fixtures", "policies");
const POLICIES = ["rbac", "abac-time", "jwt", "spiffe"];

let author: Actor;
beforeAll(async () => {
  author = await createTestUser(["author"]);
});

describe("agreement with opa test", () => {
  it.each(POLICIES)("gives the same pass/fail per test as opa test for %s", async (name) => {
    const dir = path.join(FIXTURES, name);
    const source = readFileSync(path.join(dir, "policy.rego"), "utf8");
    const testSource = readFileSync(path.join(dir, "policy_test.rego"), "utf8");
    const raw = rawOpaTest(dir);
    const policy = await createPolicy({
      actor: author,
      input: {
        name,
        packagePath: declaredPackage(source)!,
        owner: "fixtures",
        description: "",
        source,
        message: "",
        testSource,
      },
    });
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    const verdict = Object.fromEntries(run.regoTests.map((t) => [`${t.package}.${t.name}`, t.status]));
    expect(Object.keys(raw).length).toBeGreaterThanOrEqual(7);
    expect(verdict).toEqual(raw);
  });

  it("covers passing, failing, erroring and skipped tests across the fixtures", () => {
    const outcomes = new Set(POLICIES.flatMap((name) => Object.values(rawOpaTest(path.join(FIXTURES, name)))));
    expect([...outcomes].sort()).toEqual(["error", "failed", "passed", "skipped"]);
  });
});
