import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { testGateFor } from "@/lib/change-requests/test-gate";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { createTestUser } from "@/test/factories/actors";
import { policyInput } from "@/test/factories/sample-policies";
import { allowPolicy, approvedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";
import { approveAndPublish, createServiceWithEndpoints, entry, shipAllowlistBundle } from "@/test/factories/allowlists";
import { grantAccess } from "@/lib/allowlists/grant-access";

let admin: Actor;
let author: Actor;
let reviewer: Actor;

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  author = await createTestUser(["author"]);
  reviewer = await createTestUser(["reviewer"]);
});

describe("once bundles are published", () => {
  it("evaluates cases with the other policies as published, not their unpublished heads, and says which revisions", async () => {
    const shipped = await approvedScenario({ admin, author, reviewer }, { users: ["alice"] });
    await publishChangeRequest({ actor: admin, number: shipped.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    // A newer head letting bob in exists, but it was never published.
    await savePolicyVersion({
      actor: author,
      policyId: shipped.policy.id,
      input: { source: allowPolicy(shipped.packagePath, ["alice", "bob"]), message: "bob", expectedVersion: 1 },
    });

    const input = policyInput();
    const policy = await createPolicy({
      actor: author,
      input: {
        ...input,
        source: `package ${input.packagePath}\n\ndefault allow := false\n\nallow if data.${shipped.packagePath}.allow\n`,
        testCases: [
          {
            name: "alice is allowed where it is published",
            query: "",
            input: '{"user": "alice"}',
            data: "",
            expected: "true",
          },
          {
            name: "bob only in an unpublished draft",
            query: "",
            input: '{"user": "bob"}',
            data: "",
            expected: "false",
          },
        ],
      },
    });
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    expect(run.cases.map((c) => [c.name, c.status])).toEqual([
      ["alice is allowed where it is published", "passed"],
      ["bob only in an unpublished draft", "passed"],
    ]);
    expect(run.context).toMatchObject({
      assembledFrom: "published",
      bundles: [expect.objectContaining({ name: shipped.bundle.name, number: 1 })],
      policies: [expect.objectContaining({ policyId: shipped.policy.id, version: 1 })],
    });
    expect(run.context.note).toMatch(/published/);
  });

  it("gates publishing on the latest run of each version's exact content", async () => {
    const scenario = await approvedScenario({ admin, author, reviewer });
    const version = scenario.policy.head;
    expect((await db.$transaction((tx) => testGateFor(tx, [version.id]))).results[0]).toMatchObject({
      status: "missing",
    });

    // No tests at all is not a pass.
    const empty = await runPolicyTests({
      actor: author,
      policyId: scenario.policy.id,
      input: { version: 1, timeoutMs: 5000 },
    });
    expect(empty).toMatchObject({ status: "error", errors: [{ code: "no_tests" }] });
    const blocked = await db.$transaction((tx) => testGateFor(tx, [version.id]));
    expect(blocked).toMatchObject({ available: true, passed: false, results: [{ status: "error", runId: empty.id }] });

    // The same content with a passing case, run unsaved in the editor, then saved as v2 and submitted.
    const cases = [{ name: "alice", query: "", input: '{"user": "alice"}', data: "", expected: "true" }];
    const inline = await runPolicyTests({
      actor: author,
      policyId: scenario.policy.id,
      input: { inline: { source: version.source, testSource: "", cases }, timeoutMs: 5000 },
    });
    expect(inline.passed).toBe(true);
    const v2 = await savePolicyVersion({
      actor: author,
      policyId: scenario.policy.id,
      input: {
        source: version.source,
        testCases: inline.cases.map((c) => ({ ...cases[0]!, id: c.id })),
        message: "add a case",
        expectedVersion: 1,
      },
    });
    const gate = await db.$transaction((tx) => testGateFor(tx, [v2.version.id]));
    expect(gate).toMatchObject({
      available: true,
      passed: true,
      results: [{ policyVersionId: v2.version.id, status: "passed", runId: inline.id, total: 1, passed: 1 }],
    });
  });

  it("includes the published bundle data: a case sees the caller allowlists as agents do", async () => {
    await shipAllowlistBundle({ admin, author, reviewer });
    await createServiceWithEndpoints(author, { name: "refunds", endpoints: [["POST", "/refunds"]] });
    const caller = "spiffe://prod.example/ns/billing/sa/api";
    const proposed = await grantAccess({ actor: author, input: entry("refunds", "POST", "/refunds", caller) });
    await approveAndPublish({ reviewer }, proposed.changeRequest!.number);

    const input = policyInput();
    const policy = await createPolicy({
      actor: author,
      input: {
        ...input,
        // A gateway policy that defers to the shipped caller allowlist decision.
        source: `package ${input.packagePath}\n\ndefault allow := false\n\nallow if data.verdict.authz.allow\n`,
        testCases: [
          {
            name: "billing may post refunds",
            query: "",
            input: JSON.stringify({ caller, service: "refunds", method: "POST", path: "/refunds" }),
            data: "",
            expected: "true",
          },
          {
            name: "billing may not delete",
            query: "",
            input: JSON.stringify({ caller, service: "refunds", method: "DELETE", path: "/refunds" }),
            data: "",
            expected: "false",
          },
        ],
      },
    });
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    expect(run.cases.map((c) => [c.name, c.status])).toEqual([
      ["billing may post refunds", "passed"],
      ["billing may not delete", "passed"],
    ]);
    expect(run.context.data).toMatchObject({ included: true, bytes: expect.any(Number) });
    expect(run.context.bundles.map((b) => b.name)).toContain("authz");
    expect(run.context.policies.map((p) => p.packagePath)).toContain("verdict.authz");
  });
});
