import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { listPolicies } from "@/lib/policies/list-policies";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { getLatestTestRunForVersion, listTestRuns } from "@/lib/policy-tests/get-test-runs";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import type { TTestCaseInput } from "@/lib/policy-tests/schemas";
import { createTestUser } from "@/test/factories/actors";
import { policyInput } from "@/test/factories/sample-policies";
import { completeCases, refundCases, refundPolicy, refundTests } from "@/test/factories/policy-tests";

let author: Actor;
let reviewer: Actor;
let viewer: Actor;

beforeAll(async () => {
  author = await createTestUser(["author"]);
  reviewer = await createTestUser(["reviewer"]);
  viewer = await createTestUser(["viewer"]);
});

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function refundPolicyWithTests(cases: TTestCaseInput[] = refundCases(), testSource = refundTests) {
  const input = policyInput();
  return createPolicy({
    actor: author,
    input: {
      ...input,
      source: refundPolicy(input.packagePath),
      testSource: testSource(input.packagePath),
      testCases: completeCases(cases, input.packagePath),
    },
  });
}

function byName<T extends { name: string }>(items: T[]): Record<string, T> {
  return Object.fromEntries(items.map((i) => [i.name, i]));
}

describe("running a version's cases and Rego tests", () => {
  it("reports passing, failing, undefined and object results, with data overrides and explanations", async () => {
    const policy = await refundPolicyWithTests();
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    const cases = byName(run.cases);
    expect(cases["payments team refunds in business hours"]).toMatchObject({
      status: "passed",
      actual: { defined: true, value: true },
    });
    expect(cases["large refund is refused"]).toMatchObject({
      status: "passed",
      actual: { defined: true, value: false },
    });
    expect(cases["unknown rule is undefined"]).toMatchObject({
      status: "passed",
      expected: { defined: false },
      actual: { defined: false },
    });
    expect(cases["decision object"]).toMatchObject({
      status: "passed",
      actual: { defined: true, value: { allow: true, reasons: [] } },
    });
    expect(cases["a lower limit from data denies"]).toMatchObject({
      status: "passed",
      actual: { defined: true, value: false },
    });
    const wrong = cases["wrong expectation"]!;
    expect(wrong).toMatchObject({
      status: "failed",
      expected: { defined: true, value: true },
      actual: { defined: true, value: false },
    });
    expect(
      wrong.explanation?.some(
        (s) => s.source.includes("input.amount <= max_refund") && s.values?.some((v) => v.value === 5000),
      ),
    ).toBe(true);
    expect(wrong.durationMs).toBeGreaterThan(0);
    const tests = byName(run.regoTests);
    expect(tests.test_small_refund_allowed).toMatchObject({ status: "passed" });
    expect(tests.test_night_refund_denied).toMatchObject({ status: "passed" });
    expect(run).toMatchObject({
      status: "failed",
      passed: false,
      stored: true,
      version: 1,
      inline: false,
      summary: { failed: 1, errors: 0 },
    });
  });

  it("measures coverage of the policy from cases and Rego tests", async () => {
    const policy = await refundPolicyWithTests();
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    expect(run.coverage?.file).toBe(`${policy.packagePath.split(".").join("/")}/policy.rego`);
    const lines = policy.head.source.split("\n");
    const row = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    expect(run.coverage?.covered).toContain(row("input.amount <= max_refund"));
    expect(run.coverage?.notCovered).toContain(row("never_reached"));
    expect(run.coverage?.percent).toBeGreaterThan(50);
  });

  it("keeps errors on the right case: bad JSON, a runtime conflict and a timeout", async () => {
    const policy = await refundPolicyWithTests([
      {
        name: "fine",
        input: '{"action": "refund", "subject": {"team": "payments"}, "amount": 1, "time": "2026-01-05T10:00:00Z"}',
      },
      { name: "broken input", input: '{"action": "refund",' },
      { name: "broken expected", expected: "yes" },
      { name: "overrides not an object", data: "[1]" },
      { name: "conflict", query: "data.PKG.conflicting", input: '{"x": 1}' },
      { name: "slow", query: "data.PKG.expensive", expected: "1" },
    ]);
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: { inline: { source: policy.head.source, testSource: "", cases: policy.head.testCases }, timeoutMs: 300 },
    });
    const r = byName(run.cases);
    expect(r.fine!.status).toBe("passed");
    expect(r["broken input"]).toMatchObject({
      status: "error",
      message: expect.stringMatching(/^Input is not valid JSON/),
    });
    expect(r["broken expected"]).toMatchObject({
      status: "error",
      message: expect.stringMatching(/^Expected is not valid JSON/),
    });
    expect(r["overrides not an object"]).toMatchObject({
      status: "error",
      message: expect.stringMatching(/must be a JSON object/),
    });
    expect(r.conflict).toMatchObject({
      status: "error",
      message: expect.stringMatching(/conflicting values.*eval_conflict_error/s),
    });
    expect(r.slow).toMatchObject({ status: "timeout", message: expect.stringMatching(/300 ms per case/) });
    expect(run).toMatchObject({ status: "error", summary: { total: 6, passed: 1, errors: 5 } });
  });

  it("reports a policy that does not compile on the run and on every case, and writes a run", async () => {
    const policy = await refundPolicyWithTests();
    const broken = `package ${policy.packagePath}\n\nallow if {\n  input.x ==\n}\n`;
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: { inline: { source: broken, testSource: "", cases: policy.head.testCases }, timeoutMs: 5000 },
    });
    expect(run.status).toBe("error");
    expect(run.errors[0]).toMatchObject({ where: "policy", code: "rego_parse_error", row: 5 });
    expect(run.cases.every((c) => c.status === "error" && /policy does not compile/.test(c.message ?? ""))).toBe(true);
    expect(run.coverage).toBeNull();
  });

  it("sets aside a query or test module that does not compile and runs everything else", async () => {
    const input = policyInput();
    const source = `package ${input.packagePath}\n\nallow if input.x == 1\n\nf(x) := x\n`;
    const policy = await createPolicy({ actor: author, input: { ...input, source } });
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: {
        timeoutMs: 5000,
        inline: {
          source,
          testSource: `package ${input.packagePath}_test\n\ntest_broken if {\n  data.${input.packagePath}.nope(\n}\n`,
          cases: [
            { name: "ok", query: "", input: '{"x": 1}', data: "", expected: "true" },
            {
              name: "a function is not a decision",
              query: `data.${input.packagePath}.f`,
              input: "",
              data: "",
              expected: "1",
            },
          ],
        },
      },
    });
    const r = byName(run.cases);
    expect(r.ok!.status).toBe("passed");
    expect(r["a function is not a decision"]).toMatchObject({
      status: "error",
      message: expect.stringMatching(/cannot be evaluated.*function/),
    });
    expect(run.errors.map((e) => e.where)).toEqual(["tests"]);
    expect(run.errors.find((e) => e.where === "tests")).toMatchObject({
      code: "rego_parse_error",
      file: expect.stringMatching(/policy_test\.rego$/),
    });
    expect(run.status).toBe("error");
  });
});

describe("the evaluation context", () => {
  it("evaluates with the other policies at their head versions and says so", async () => {
    const rolesInput = policyInput();
    const roles = await createPolicy({
      actor: author,
      input: { ...rolesInput, source: `package ${rolesInput.packagePath}\n\nadmins := {"alice"}\n` },
    });
    await savePolicyVersion({
      actor: author,
      policyId: roles.id,
      input: {
        source: `package ${rolesInput.packagePath}\n\nadmins := {"alice", "bob"}\n`,
        message: "bob",
        expectedVersion: 1,
      },
    });
    const input = policyInput();
    const source = `package ${input.packagePath}\n\ndefault allow := false\n\nallow if input.user in data.${rolesInput.packagePath}.admins\n`;
    const policy = await createPolicy({
      actor: author,
      input: {
        ...input,
        source,
        testCases: [
          { name: "bob is an admin at head", query: "", input: '{"user": "bob"}', data: "", expected: "true" },
        ],
      },
    });
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: { version: "head", timeoutMs: 5000 },
    });
    expect(run.cases[0]).toMatchObject({ status: "passed" });
    expect(run.context.assembledFrom).toBe("head-versions");
    expect(run.context.note).toMatch(/head versions/);
    expect(run.context.policies).toContainEqual(
      expect.objectContaining({ policyId: roles.id, packagePath: rolesInput.packagePath, version: 2 }),
    );
    expect(run.context.policies.some((p) => p.policyId === policy.id)).toBe(false);
  });
});

describe("stored runs", () => {
  it("stores the run with an audit event and finds the latest run of a version by its content", async () => {
    const policy = await refundPolicyWithTests();
    expect(await getLatestTestRunForVersion(policy.head.id)).toBeNull();
    const inline = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: {
        inline: {
          source: policy.head.source,
          testSource: policy.head.testSource,
          cases: policy.head.testCases,
          basedOnVersion: 1,
        },
        timeoutMs: 5000,
      },
    });
    // Unsaved content identical to version 1 is a run of version 1.
    expect(inline).toMatchObject({ inline: true, version: 1, policyVersionId: policy.head.id, basedOnVersion: 1 });
    expect((await getLatestTestRunForVersion(policy.head.id))?.id).toBe(inline.id);
    const byReviewer = await runPolicyTests({
      actor: reviewer,
      policyId: policy.id,
      input: { version: 1, timeoutMs: 5000 },
    });
    expect(await getLatestTestRunForVersion(policy.head.id)).toMatchObject({
      id: byReviewer.id,
      createdBy: { email: reviewer.email },
    });
    const events = await db.auditEvent.findMany({ where: { targetId: policy.id, action: "policy.test_run" } });
    expect(events).toHaveLength(2);
    const list = await listTestRuns({ actor: viewer, policyId: policy.id, query: { limit: 1 } });
    expect(list.items.map((r) => r.id)).toEqual([byReviewer.id]);
    const next = await listTestRuns({
      actor: viewer,
      policyId: policy.id,
      query: { limit: 1, cursor: list.nextCursor! },
    });
    expect(next.items.map((r) => r.id)).toEqual([inline.id]);
    const listed = await listPolicies({ actor: viewer, query: { q: policy.packagePath, limit: 5 } });
    expect(listed.items[0]?.latestTestRun).toMatchObject({ id: byReviewer.id, status: "failed", passed: false });
  });

  it("does not count a run for a version whose tests changed since", async () => {
    const policy = await refundPolicyWithTests();
    await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    const fixed = policy.head.testCases.filter((c) => c.name !== "wrong expectation");
    const saved = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: policy.head.source, testCases: fixed, message: "drop the wrong case", expectedVersion: 1 },
    });
    expect(saved).toMatchObject({ created: true, version: { number: 2, testCases: fixed } });
    expect(await getLatestTestRunForVersion(saved.version.id)).toBeNull();
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 2, timeoutMs: 5000 } });
    expect(run).toMatchObject({ status: "passed", passed: true });
    expect((await getLatestTestRunForVersion(saved.version.id))?.id).toBe(run.id);
  });

  it("returns a re-run of one case without storing it", async () => {
    const policy = await refundPolicyWithTests();
    const target = policy.head.testCases.find((c) => c.name === "wrong expectation")!;
    const before = await db.testRun.count({ where: { policyId: policy.id } });
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: { version: 1, caseIds: [target.id], timeoutMs: 5000 },
    });
    expect(run).toMatchObject({ id: null, stored: false, regoTests: [], cases: [{ id: target.id, status: "failed" }] });
    expect(await db.testRun.count({ where: { policyId: policy.id } })).toBe(before);
  });

  it("refuses unknown case ids, missing versions and people without test:run, writing nothing", async () => {
    const policy = await refundPolicyWithTests();
    const before = await db.testRun.count();
    expect(
      (
        await appError(
          runPolicyTests({
            actor: author,
            policyId: policy.id,
            input: { version: 1, caseIds: ["00000000-0000-4000-8000-000000000000"], timeoutMs: 5000 },
          }),
        )
      ).status,
    ).toBe(422);
    expect(
      (await appError(runPolicyTests({ actor: author, policyId: policy.id, input: { version: 9, timeoutMs: 5000 } })))
        .status,
    ).toBe(404);
    expect(
      (await appError(runPolicyTests({ actor: viewer, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } })))
        .status,
    ).toBe(403);
    expect(await db.testRun.count()).toBe(before);
  });

  it("keeps runs immutable in the database", async () => {
    const policy = await refundPolicyWithTests();
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    await expect(db.$executeRaw`UPDATE test_runs SET status = 'passed' WHERE id = ${run.id}::uuid`).rejects.toThrow(
      /append-only/,
    );
    await expect(db.$executeRaw`DELETE FROM test_runs WHERE id = ${run.id}::uuid`).rejects.toThrow(/append-only/);
  });

  it("saves tests with the version under the same optimistic concurrency", async () => {
    const policy = await refundPolicyWithTests();
    await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: policy.head.source, testSource: "package x_test\n", message: "theirs", expectedVersion: 1 },
    });
    const error = await appError(
      savePolicyVersion({
        actor: author,
        policyId: policy.id,
        input: { source: policy.head.source, testCases: [], message: "mine", expectedVersion: 1 },
      }),
    );
    expect(error.status).toBe(409);
    const unchanged = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: policy.head.source, message: "", expectedVersion: 2 },
    });
    expect(unchanged).toMatchObject({ created: false, version: { number: 2, testSource: "package x_test\n" } });
  });

  it("leaves an intact audit chain", async () => {
    await expect(verifyAuditChain()).resolves.toMatchObject({ ok: true });
  });
});
