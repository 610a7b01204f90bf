import type { TestRun } from "@/lib/generated/prisma/client";
import type {
  CaseResult,
  CoverageReport,
  EvaluationContextRecord,
  RegoTestOutcome,
  RunError,
  RunStatus,
  RunSummary,
} from "@/lib/policy-tests/types";

/** A run in a list: who ran what, when, and how it came out. */
export type TestRunSummaryView = {
  id: string | null;
  policyId: string;
  /** The saved version whose exact policy source and tests were run; null for unsaved content. */
  policyVersionId: string | null;
  version: number | null;
  /** For unsaved editor content: the version the editor started from. */
  basedOnVersion: number | null;
  inline: boolean;
  sourceSha256: string;
  testsSha256: string;
  status: RunStatus;
  /** The one field CI needs: true only when every case and Rego test passed. */
  passed: boolean;
  summary: RunSummary;
  durationMs: number;
  createdAt: string;
  createdBy: { id: string; email: string; name: string };
};

export type TestRunView = TestRunSummaryView & {
  /** False for a partial re-run of some cases, which is returned but not kept. */
  stored: boolean;
  timeoutMs: number;
  opaVersion: string;
  context: EvaluationContextRecord;
  cases: CaseResult[];
  regoTests: RegoTestOutcome[];
  errors: RunError[];
  coverage: CoverageReport | null;
};

export type StoredResults = { cases: CaseResult[]; regoTests: RegoTestOutcome[]; errors: RunError[] };

export const CREATED_BY_SELECT = { select: { id: true, email: true, name: true } } as const;

type SummaryRow = Pick<
  TestRun,
  | "id"
  | "policyId"
  | "policyVersionId"
  | "versionNumber"
  | "basedOnVersion"
  | "inline"
  | "sourceSha256"
  | "testsSha256"
  | "status"
  | "total"
  | "passed"
  | "failed"
  | "errored"
  | "skipped"
  | "durationMs"
  | "createdAt"
> & {
  createdBy: { id: string; email: string; name: string };
};

/** What a run tested: the policy, its version (or inline source) and the content hashes. */
export function testRunSubject(
  row: Pick<
    TestRun,
    "policyId" | "policyVersionId" | "versionNumber" | "basedOnVersion" | "inline" | "sourceSha256" | "testsSha256"
  >,
) {
  return {
    policyId: row.policyId,
    policyVersionId: row.policyVersionId,
    version: row.versionNumber,
    basedOnVersion: row.basedOnVersion,
    inline: row.inline,
    sourceSha256: row.sourceSha256,
    testsSha256: row.testsSha256,
  };
}

export function toTestRunSummary(row: SummaryRow): TestRunSummaryView {
  return {
    id: row.id,
    ...testRunSubject(row),
    status: row.status,
    passed: row.status === "passed",
    summary: { total: row.total, passed: row.passed, failed: row.failed, errors: row.errored, skipped: row.skipped },
    durationMs: row.durationMs,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
  };
}

export function toTestRunView(row: TestRun & { createdBy: SummaryRow["createdBy"] }): TestRunView {
  const results = row.results as unknown as StoredResults;
  return {
    ...toTestRunSummary(row),
    stored: true,
    timeoutMs: row.timeoutMs,
    opaVersion: row.opaVersion,
    context: row.context as unknown as EvaluationContextRecord,
    cases: results.cases ?? [],
    regoTests: results.regoTests ?? [],
    errors: results.errors ?? [],
    coverage: (row.coverage as unknown as CoverageReport | null) ?? null,
  };
}
