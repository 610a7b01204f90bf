import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { formatBytes } from "@/lib/core/read-body";
import type { Prisma } from "@/lib/generated/prisma/client";
import { assembleEvaluationContext } from "@/lib/policy-tests/assemble-evaluation-context";
import { executeTestRun } from "@/lib/policy-tests/execute-test-run";
import { withReferencedModules, type ProposedVersions } from "@/lib/policy-tests/policy-references";
import type { TCreateTestRunRequest } from "@/lib/policy-tests/schemas";
import { readStoredCases, testsSha256, withCaseIds, type TestSuite } from "@/lib/policy-tests/test-suite";
import {
  CREATED_BY_SELECT,
  testRunSubject,
  toTestRunView,
  type StoredResults,
  type TestRunView,
} from "@/lib/policy-tests/test-run-views";
import type { ExecutedRun } from "@/lib/policy-tests/types";
import { sha256Hex } from "@/lib/core/sha256";
import { MAX_MODULE_BYTES } from "@/lib/rego/policy-module";
import type { RegoVersion } from "@/lib/rego/rego-version";

type Subject = {
  source: string;
  regoVersion: RegoVersion;
  suite: TestSuite;
  inline: boolean;
  version: { id: string; number: number } | null;
  basedOnVersion: number | null;
};

/**
 * Runs a policy's cases and Rego tests — of a saved version, or of the editor's content as it
 * is — against the pinned opa, in the context the policy has in production, and stores the run
 * (with an audit event) as evidence for review. A re-run of some cases is returned, not stored.
 */
export async function runPolicyTests(options: {
  actor: Actor;
  policyId: string;
  input: TCreateTestRunRequest;
  /** A change request's versions, in place of the ones the context holds (a run of its dependants). */
  proposed?: ProposedVersions;
  requestId?: string;
}): Promise<TestRunView> {
  const { actor, input } = options;
  requirePermission(actor, "test:run");
  const policy = await db.policy.findUnique({
    where: { id: options.policyId },
    select: { id: true, packagePath: true, headNumber: true },
  });
  if (!policy) throw notFound("Policy");
  const subject = await resolveSubject(policy, input);
  const cases = input.caseIds ? selectCases(subject.suite.cases, input.caseIds) : subject.suite.cases;
  const context = await withReferencedModules(
    await assembleEvaluationContext({ policyId: policy.id }),
    [
      { packagePath: policy.packagePath, source: subject.source },
      { packagePath: policy.packagePath, source: subject.suite.testSource },
    ],
    options.proposed,
  );
  const executed = await executeTestRun({
    packagePath: policy.packagePath,
    source: subject.source,
    regoVersion: subject.regoVersion,
    testSource: subject.suite.testSource,
    cases,
    context: { modules: context.modules, data: context.data },
    timeoutMs: input.timeoutMs,
    includeRegoTests: !input.caseIds,
    coverage: !input.caseIds,
  });
  const row = {
    policyId: policy.id,
    policyVersionId: subject.version?.id ?? null,
    versionNumber: subject.version?.number ?? null,
    basedOnVersion: subject.basedOnVersion,
    inline: subject.inline,
    sourceSha256: sha256Hex(subject.source),
    testsSha256: testsSha256(subject.suite),
    ...counts(executed),
    context: context.record,
    results: { cases: executed.cases, regoTests: executed.regoTests, errors: executed.errors } satisfies StoredResults,
    coverage: executed.coverage,
  };
  if (input.caseIds) return partialView(row, executed, actor);
  const stored = await db.$transaction(async (tx) => {
    const created = await tx.testRun.create({
      data: {
        ...row,
        context: row.context as Prisma.InputJsonValue,
        results: row.results as unknown as Prisma.InputJsonValue,
        coverage: (row.coverage ?? undefined) as Prisma.InputJsonValue | undefined,
        createdById: actor.userId,
      },
      include: { createdBy: CREATED_BY_SELECT },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "policy.test_run",
      target: { type: "policy", id: policy.id },
      after: {
        runId: created.id,
        status: created.status,
        version: created.versionNumber,
        inline: created.inline,
        sourceSha256: created.sourceSha256,
        testsSha256: created.testsSha256,
        total: created.total,
        passed: created.passed,
        failed: created.failed,
        errors: created.errored,
      },
      requestId: options.requestId,
    });
    return created;
  });
  return toTestRunView(stored);
}

async function resolveSubject(
  policy: { id: string; headNumber: number },
  input: TCreateTestRunRequest,
): Promise<Subject> {
  if (input.inline) {
    const bytes = Buffer.byteLength(input.inline.source, "utf8");
    if (bytes > MAX_MODULE_BYTES)
      throw new AppError(
        "payload_too_large",
        `The module is ${formatBytes(bytes)}; the limit is ${formatBytes(MAX_MODULE_BYTES)}`,
      );
    const suite: TestSuite = { testSource: input.inline.testSource, cases: withCaseIds(input.inline.cases) };
    // Unsaved content identical to a saved version is a run of that version.
    const same = await db.policyVersion.findFirst({
      where: { policyId: policy.id, sha256: sha256Hex(input.inline.source), testsSha256: testsSha256(suite) },
      orderBy: { number: "desc" },
      select: { id: true, number: true },
    });
    const head = await db.policyVersion.findUnique({
      where: { policyId_number: { policyId: policy.id, number: policy.headNumber } },
      select: { regoVersion: true },
    });
    return {
      source: input.inline.source,
      regoVersion: input.inline.regoVersion ?? head?.regoVersion ?? "v1",
      suite,
      inline: true,
      version: same,
      basedOnVersion: input.inline.basedOnVersion ?? null,
    };
  }
  const number = input.version === "head" ? policy.headNumber : input.version!;
  const version = await db.policyVersion.findUnique({ where: { policyId_number: { policyId: policy.id, number } } });
  if (!version) throw notFound("Policy version");
  return {
    source: version.source,
    regoVersion: version.regoVersion,
    suite: { testSource: version.testSource, cases: readStoredCases(version.testCases) },
    inline: false,
    version: { id: version.id, number: version.number },
    basedOnVersion: null,
  };
}

function selectCases(cases: TestSuite["cases"], ids: string[]): TestSuite["cases"] {
  const unknown = ids.filter((id) => !cases.some((c) => c.id === id));
  if (unknown.length) {
    throw new AppError("validation_failed", "The run names cases that do not exist", {
      fieldErrors: unknown.map((id) => ({ path: "body.caseIds", message: `no case with id ${id}` })),
    });
  }
  return cases.filter((c) => ids.includes(c.id));
}

function counts(run: ExecutedRun) {
  return {
    status: run.status,
    total: run.summary.total,
    passed: run.summary.passed,
    failed: run.summary.failed,
    errored: run.summary.errors,
    skipped: run.summary.skipped,
    durationMs: run.durationMs,
    timeoutMs: run.timeoutMs,
    opaVersion: run.opaVersion,
  };
}

function partialView(
  row: {
    policyId: string;
    policyVersionId: string | null;
    versionNumber: number | null;
    basedOnVersion: number | null;
    inline: boolean;
    sourceSha256: string;
    testsSha256: string;
    context: TestRunView["context"];
  },
  run: ExecutedRun,
  actor: Actor,
): TestRunView {
  return {
    id: null,
    stored: false,
    ...testRunSubject(row),
    status: run.status,
    passed: run.status === "passed",
    summary: run.summary,
    durationMs: run.durationMs,
    createdAt: new Date().toISOString(),
    createdBy: { id: actor.userId, email: actor.email, name: actor.name },
    timeoutMs: run.timeoutMs,
    opaVersion: run.opaVersion,
    context: row.context,
    cases: run.cases,
    regoTests: run.regoTests,
    errors: run.errors,
    coverage: run.coverage,
  };
}
