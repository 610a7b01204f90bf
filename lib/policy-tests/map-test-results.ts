import type { CoverageFile, RegoTestResult, TraceStep } from "@/lib/opa/test";
import { canonicalJson } from "@/lib/core/canonical-json";
import { HARNESS_FILE, readCaseOutput, type PreparedCase, type RejectedCase } from "@/lib/policy-tests/build-harness";
import type {
  CaseResult,
  CoverageReport,
  ExplanationStep,
  Outcome,
  RegoTestOutcome,
  RunStatus,
  RunSummary,
} from "@/lib/policy-tests/types";

const MAX_EXPLANATION_STEPS = 40;

export function nsToMs(ns: number): number {
  return Math.round(ns / 1e4) / 100;
}

export function sameOutcome(expected: Outcome, actual: Outcome): boolean {
  if (!expected.defined || !actual.defined) return expected.defined === actual.defined;
  return canonicalJson(expected.value) === canonicalJson(actual.value);
}

export function rejectedResult(c: RejectedCase): CaseResult {
  return errorResult(c, c.message);
}

export function notEvaluated(c: PreparedCase, message: string): CaseResult {
  return errorResult(c, message);
}

function errorResult(
  c: Pick<PreparedCase, "id" | "name" | "query"> & { expected: Outcome | null },
  message: string,
): CaseResult {
  return {
    id: c.id,
    name: c.name,
    query: c.query,
    status: "error",
    expected: c.expected,
    actual: null,
    durationMs: null,
    message,
  };
}

export function timeoutMessage(timeoutMs: number): string {
  return `Timed out: evaluation took longer than the run's limit of ${formatMs(timeoutMs)} per case`;
}

/**
 * The first pass's result for a case. A harness test passes when opa finds the result equal to
 * the expectation; one that fails is only a candidate (Rego tells a set from an array, JSON does
 * not), settled by the detail pass with the actual value.
 */
export function caseResultFrom(
  c: PreparedCase,
  raw: RegoTestResult | undefined,
  timeoutMs: number,
): CaseResult | "candidate" {
  const base = { id: c.id, name: c.name, query: c.query, expected: c.expected };
  if (!raw)
    return {
      ...base,
      status: "error",
      actual: null,
      durationMs: null,
      message: "opa reported no result for this case",
    };
  const durationMs = nsToMs(raw.durationNs);
  if (raw.outcome === "error") {
    const timedOut = raw.errorCode === "eval_cancel_error";
    return {
      ...base,
      status: timedOut ? "timeout" : "error",
      actual: null,
      durationMs,
      message: timedOut ? timeoutMessage(timeoutMs) : describeEvalError(raw),
    };
  }
  if (raw.outcome === "pass") return { ...base, status: "passed", actual: c.expected, durationMs };
  return "candidate";
}

/** A candidate's result from the detail pass, which printed the actual value and traced the evaluation. */
export function detailedCaseResult(
  c: PreparedCase,
  first: RegoTestResult,
  detail: RegoTestResult | undefined,
  files: Map<string, string[]>,
): CaseResult {
  const base = { id: c.id, name: c.name, query: c.query, expected: c.expected, durationMs: nsToMs(first.durationNs) };
  const { actual, printed } = readCaseOutput(detail?.output);
  if (!actual)
    return {
      ...base,
      status: "error",
      actual: null,
      message: detail?.message ? describeEvalError(detail) : "The case produced no result",
    };
  const passed = sameOutcome(c.expected, actual);
  return {
    ...base,
    status: passed ? "passed" : "failed",
    actual,
    ...(passed ? {} : { explanation: toExplanation(detail?.trace, files) }),
    ...(printed ? { output: printed } : {}),
  };
}

export function regoTestOutcome(raw: RegoTestResult, timeoutMs: number): RegoTestOutcome {
  const timedOut = raw.outcome === "error" && raw.errorCode === "eval_cancel_error";
  const status =
    raw.outcome === "pass"
      ? "passed"
      : raw.outcome === "fail"
        ? "failed"
        : raw.outcome === "skip"
          ? "skipped"
          : timedOut
            ? "timeout"
            : "error";
  return {
    package: raw.package,
    name: raw.name,
    file: raw.file,
    row: raw.row,
    status,
    durationMs: nsToMs(raw.durationNs),
    ...(status === "error" ? { message: describeEvalError(raw) } : {}),
    ...(status === "timeout" ? { message: timeoutMessage(timeoutMs) } : {}),
    ...(raw.output?.trim() ? { output: raw.output.trim() } : {}),
  };
}

function describeEvalError(raw: RegoTestResult): string {
  return `${raw.message ?? "evaluation error"}${raw.errorCode ? ` (${raw.errorCode})` : ""}`;
}

/**
 * A full trace → what `--explain fails` shows (the failed expressions in the author's files, with
 * their source line and operands), plus what it cannot show: when OPA's rule index matched no
 * rule for the input, the default rule that decided.
 */
export function toExplanation(
  trace: TraceStep[] | undefined,
  files: Map<string, string[]>,
): ExplanationStep[] | undefined {
  if (!trace) return undefined;
  const steps: ExplanationStep[] = [];
  const authored = (step: TraceStep | undefined) => step && step.file !== HARNESS_FILE && files.has(step.file);
  const add = (step: TraceStep, op: string) => {
    const previous = steps[steps.length - 1];
    if (previous && previous.file === step.file && previous.row === step.row && previous.op === op) return;
    const source = files.get(step.file)?.[step.row - 1]?.trim() ?? "";
    steps.push({
      file: step.file,
      row: step.row,
      op,
      source,
      ...(step.values && op === "Fail" ? { values: step.values } : {}),
    });
  };
  trace.forEach((step, i) => {
    if (steps.length >= MAX_EXPLANATION_STEPS) return;
    if (step.op === "Fail" && authored(step)) add(step, "Fail");
    const next = trace[i + 1];
    if (
      step.op === "Index" &&
      step.message?.startsWith("(matched 0 rules") &&
      next?.op === "Enter" &&
      authored(next) &&
      /^\s*default\b/.test(files.get(next.file)?.[next.row - 1] ?? "")
    ) {
      add(next, "Default");
    }
  });
  return steps;
}

export function coverageFor(file: string, report: CoverageFile | undefined): CoverageReport | null {
  if (!report) return null;
  const expand = (ranges: CoverageFile["covered"]) =>
    (ranges ?? []).flatMap((r) =>
      Array.from({ length: Math.max(0, r.end.row - r.start.row + 1) }, (_, i) => r.start.row + i),
    );
  const covered = [...new Set(expand(report.covered))].sort((a, b) => a - b);
  const notCovered = [...new Set(expand(report.not_covered))].filter((l) => !covered.includes(l)).sort((a, b) => a - b);
  const total = covered.length + notCovered.length;
  return { file, covered, notCovered, percent: total ? Math.round((covered.length / total) * 1000) / 10 : null };
}

export function summarize(
  cases: CaseResult[],
  regoTests: RegoTestOutcome[],
  runErrors: number,
): { status: RunStatus; summary: RunSummary } {
  const all = [...cases.map((c) => c.status), ...regoTests.map((t) => t.status)];
  const summary: RunSummary = {
    total: all.length,
    passed: all.filter((s) => s === "passed").length,
    failed: all.filter((s) => s === "failed").length,
    errors: all.filter((s) => s === "error" || s === "timeout").length,
    skipped: all.filter((s) => s === "skipped").length,
  };
  const status: RunStatus = runErrors > 0 || summary.errors > 0 ? "error" : summary.failed > 0 ? "failed" : "passed";
  return { status, summary };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
