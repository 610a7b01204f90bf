import type { RegoError } from "@/lib/opa/types";

// The stable result shape of a test run (documented in docs/policy-tests.md). Additive changes only.

/** A decision as JSON: `{ "defined": true, "value": … }`, or `{ "defined": false }` for undefined. */
export type Outcome = { defined: true; value: unknown } | { defined: false };

/** One line of `--explain fails` output: where evaluation failed, the source there, and the operand values. */
export type ExplanationStep = {
  file: string;
  row: number;
  op: string;
  source: string;
  values?: Array<{ name: string | null; value: unknown }>;
};

export type CaseStatus = "passed" | "failed" | "error" | "timeout";

export type CaseResult = {
  id: string;
  name: string;
  /** The data reference evaluated (the policy's `allow` when the case names none). */
  query: string;
  status: CaseStatus;
  expected: Outcome | null;
  actual: Outcome | null;
  durationMs: number | null;
  /** Why the case errored or timed out. */
  message?: string;
  explanation?: ExplanationStep[];
  /** What the policy printed with print() while evaluating this case. */
  output?: string;
};

export type RegoTestStatus = "passed" | "failed" | "error" | "timeout" | "skipped";

export type RegoTestOutcome = {
  package: string;
  name: string;
  file?: string;
  row?: number;
  status: RegoTestStatus;
  durationMs: number;
  message?: string;
  explanation?: ExplanationStep[];
  output?: string;
};

/** Run-level problems: the policy, the tests or the context do not compile, or opa failed. */
export type RunError = RegoError & { where: "policy" | "tests" | "context" | "opa" };

export type CoverageReport = {
  /** The policy's file, as in error locations (payments/authz/policy.rego). */
  file: string;
  covered: number[];
  notCovered: number[];
  /** Percentage of the policy's evaluable lines that cases and Rego tests reached. */
  percent: number | null;
};

export type RunStatus = "passed" | "failed" | "error";

export type RunSummary = { total: number; passed: number; failed: number; errors: number; skipped: number };

/** How the evaluation context was assembled: what the policy saw besides itself. */
export type EvaluationContextRecord = {
  /** "head-versions" until bundles are published; "published" once they are. */
  assembledFrom: "head-versions" | "published";
  note: string;
  /** The bundle revisions the context came from (empty before anything is published). */
  bundles: Array<{ name: string; number: number; revision: string }>;
  policies: Array<{ policyId: string; packagePath: string; version: number; sha256: string }>;
  data: { included: boolean; description: string; bytes: number };
  /** Set when a change request's versions replaced the ones in the context (a run of its dependants). */
  proposed?: {
    changeRequest: number;
    contentHash: string;
    versions: Array<{ policyId: string; version: number; sha256: string }>;
  };
};

export type ExecutedRun = {
  status: RunStatus;
  summary: RunSummary;
  cases: CaseResult[];
  regoTests: RegoTestOutcome[];
  errors: RunError[];
  coverage: CoverageReport | null;
  durationMs: number;
  timeoutMs: number;
  opaVersion: string;
};
