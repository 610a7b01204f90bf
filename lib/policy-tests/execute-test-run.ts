import { checkIn } from "@/lib/opa/check";
import { regoVersionManifest } from "@/lib/opa/rego-version-manifest";
import { OPA_VERSION } from "@/lib/opa/opa-binary";
import {
  OpaOutputLimitError,
  OpaTimeoutError,
  removeWorkspaceFile,
  withWorkspace,
  writeWorkspaceFile,
  type WorkspaceFile,
} from "@/lib/opa/run-opa";
import {
  exactTestPattern,
  opaCoverageInDir,
  opaTestInDir,
  type CoverageRun,
  type RegoTestResult,
} from "@/lib/opa/test";
import type { RegoError, RegoModule } from "@/lib/opa/types";
import { HARNESS_DATA_ROOT, HARNESS_PACKAGE, type TTestCase } from "@/lib/policy-tests/schemas";
import {
  buildHarness,
  caseTestName,
  detailTestName,
  HARNESS_FILE,
  prepareCase,
  type PreparedCase,
  type RejectedCase,
} from "@/lib/policy-tests/build-harness";
import {
  caseResultFrom,
  coverageFor,
  detailedCaseResult,
  notEvaluated,
  nsToMs,
  regoTestOutcome,
  rejectedResult,
  summarize,
  toExplanation,
} from "@/lib/policy-tests/map-test-results";
import type { CaseResult, CoverageReport, ExecutedRun, RegoTestOutcome, RunError } from "@/lib/policy-tests/types";
import { policyFilePath } from "@/lib/rego/policy-module";
import type { RegoVersion } from "@/lib/rego/rego-version";

export type ExecuteTestRunOptions = {
  packagePath: string;
  source: string;
  /** The version of the source and its test module; context modules carry their own. */
  regoVersion?: RegoVersion;
  testSource: string;
  cases: TTestCase[];
  context: { modules: RegoModule[]; data: Record<string, unknown> | null };
  /** Per case and per Rego test. */
  timeoutMs: number;
  /** False for a partial re-run of some cases. */
  includeRegoTests?: boolean;
  coverage?: boolean;
};

const HARNESS_PREFIX = `data.${HARNESS_PACKAGE}`;
const MAX_PROCESS_MS = 5 * 60_000;
// Full traces are large; explain at most this many failures per run.
const MAX_EXPLAINED = 25;

type Attempt = { prepared: PreparedCase[]; failed: CaseResult[]; testsDropped: boolean; errors: RunError[] };

/**
 * Runs every case and Rego test of one policy in one `opa test` process, then — in parallel
 * where possible — a coverage pass and an `--explain fails` pass for what failed. Whatever goes
 * wrong (bad JSON, a query or test module that does not compile, a timeout) lands on the case
 * or test it belongs to; only a policy or context that does not compile stops the whole run.
 */
export async function executeTestRun(options: ExecuteTestRunOptions): Promise<ExecutedRun> {
  const started = performance.now();
  const policyPath = policyFilePath(options.packagePath);
  const testPath = policyPath.replace(/policy\.rego$/, "policy_test.rego");
  const withTests = (options.includeRegoTests ?? true) && options.testSource.trim() !== "";
  const prepared = options.cases.map((c, i) => prepareCase(c, i, options.packagePath));
  const rejected = prepared.filter((p): p is RejectedCase => "message" in p);
  const attempt: Attempt = {
    prepared: prepared.filter((p): p is PreparedCase => !("message" in p)),
    failed: rejected.map(rejectedResult),
    testsDropped: false,
    errors: [],
  };
  const files: WorkspaceFile[] = [
    { path: policyPath, content: options.source },
    ...(withTests ? [{ path: testPath, content: options.testSource }] : []),
    ...options.context.modules.map((m) => ({ path: m.path, content: m.source })),
    ...(options.context.data ? [{ path: "data.json", content: JSON.stringify(options.context.data) }] : []),
  ];
  const manifest = regoVersionManifest([
    { path: policyPath, regoVersion: options.regoVersion },
    ...(withTests ? [{ path: testPath, regoVersion: options.regoVersion }] : []),
    ...options.context.modules,
  ]);
  const roles = { policyPath, testPath, contextPaths: new Set(options.context.modules.map((m) => m.path)) };
  const sources = new Map(files.map((f) => [f.path, String(f.content).split("\n")]));

  const outcome = await withWorkspace([...files, ...(manifest ? [manifest] : [])], (dir) =>
    runInWorkspace(dir, options, attempt, roles, sources, withTests, manifest !== null),
  ).catch((error: unknown) => {
    if (error instanceof OpaTimeoutError || error instanceof OpaOutputLimitError)
      return abort(attempt, { code: "opa_error", message: error.message, where: "opa" });
    throw error;
  });
  const cases = [...outcome.cases].sort((a, b) => indexOf(options.cases, a.id) - indexOf(options.cases, b.id));
  const errors = attempt.errors;
  if (cases.length + outcome.regoTests.length === 0 && errors.length === 0) {
    errors.push({
      code: "no_tests",
      message: "Nothing was run: add test cases or a _test.rego module with test_ rules",
      where: "tests",
    });
  }
  const { status, summary } = summarize(cases, outcome.regoTests, errors.length);
  return {
    status,
    summary,
    cases,
    regoTests: outcome.regoTests,
    errors,
    coverage: outcome.coverage,
    durationMs: Math.round(performance.now() - started),
    timeoutMs: options.timeoutMs,
    opaVersion: OPA_VERSION,
  };
}

type Roles = { policyPath: string; testPath: string; contextPaths: Set<string> };
type Outcome = { cases: CaseResult[]; regoTests: RegoTestOutcome[]; coverage: CoverageReport | null };

async function runInWorkspace(
  dir: string,
  options: ExecuteTestRunOptions,
  attempt: Attempt,
  roles: Roles,
  sources: Map<string, string[]>,
  withTests: boolean,
  bundle: boolean,
): Promise<Outcome> {
  const processTimeoutMs = Math.min(
    MAX_PROCESS_MS,
    options.timeoutMs * Math.max(1, options.cases.length + 20) + 10_000,
  );
  // With v0 modules the workspace is read as a bundle whose .manifest declares them.
  const run = { timeoutMs: options.timeoutMs, processTimeoutMs, bundle };
  for (let tries = 0; tries < 3; tries++) {
    const harness = buildHarness(attempt.prepared, options.cases.length);
    await writeWorkspaceFile(dir, { path: HARNESS_FILE, content: harness.module });
    await writeWorkspaceFile(dir, { path: `${HARNESS_DATA_ROOT}/data.json`, content: JSON.stringify(harness.data) });
    // Most runs pass: measure coverage at the same time instead of after.
    const speculative = options.coverage !== false && tries === 0 ? opaCoverageInDir(dir, run) : null;
    const first = await opaTestInDir(dir, run);
    if (first.ok)
      return finish(dir, options, attempt, first.results, await speculative, sources, roles.policyPath, run);
    await speculative;
    const present = [...sources.keys(), HARNESS_FILE].filter(
      (p) => p.endsWith(".rego") && !(attempt.testsDropped && p === roles.testPath),
    );
    const compileErrors = await checkIn(dir, present, false, 30_000, bundle);
    if (compileErrors.length === 0) return abort(attempt, { code: "opa_error", message: first.error, where: "opa" });
    const fatal = await recover(dir, compileErrors, attempt, harness.rowsByCase, roles, withTests);
    if (fatal) return abort(attempt, ...fatal);
  }
  return abort(attempt, {
    code: "opa_error",
    message: "The run still did not compile after setting aside the cases and tests that did not",
    where: "opa",
  });
}

/** Sets aside the cases or test module a compile error belongs to; returns the errors that stop the run. */
async function recover(
  dir: string,
  errors: RegoError[],
  attempt: Attempt,
  rowsByCase: Map<number, Array<[number, number]>>,
  roles: Roles,
  withTests: boolean,
): Promise<RunError[] | null> {
  const fatal: RunError[] = [];
  for (const error of errors) {
    if (error.file === HARNESS_FILE) {
      const hit = attempt.prepared.filter((c) =>
        (rowsByCase.get(c.index) ?? []).some(([a, b]) => (error.row ?? 0) >= a && (error.row ?? 0) <= b),
      );
      for (const c of hit)
        attempt.failed.push(notEvaluated(c, `The query ${c.query} cannot be evaluated: ${error.message}`));
      attempt.prepared = attempt.prepared.filter((c) => !hit.includes(c));
    } else if (withTests && error.file === roles.testPath) {
      attempt.errors.push({ ...error, where: "tests" });
      attempt.testsDropped = true;
    } else {
      fatal.push({
        ...error,
        where:
          error.file === roles.policyPath ? "policy" : roles.contextPaths.has(error.file ?? "") ? "context" : "opa",
      });
    }
  }
  if (attempt.testsDropped) await removeWorkspaceFile(dir, roles.testPath);
  return fatal.length ? fatal : null;
}

function abort(attempt: Attempt, ...errors: RunError[]): Outcome {
  attempt.errors.push(...errors);
  const why = errors.some((e) => e.where === "policy")
    ? "the policy does not compile"
    : errors.some((e) => e.where === "context")
      ? "the evaluation context does not compile with this policy"
      : "opa could not run the tests";
  const cases = [...attempt.failed, ...attempt.prepared.map((c) => notEvaluated(c, `Not evaluated: ${why}`))];
  return { cases, regoTests: [], coverage: null };
}

async function finish(
  dir: string,
  options: ExecuteTestRunOptions,
  attempt: Attempt,
  results: RegoTestResult[],
  speculative: CoverageRun | null,
  sources: Map<string, string[]>,
  policyPath: string,
  run: { timeoutMs: number; processTimeoutMs: number; bundle: boolean },
): Promise<Outcome> {
  const byName = new Map(results.filter((r) => r.package === HARNESS_PREFIX).map((r) => [r.name, r]));
  const firstPass = attempt.prepared.map((c) => ({
    c,
    result: caseResultFrom(c, byName.get(caseTestName(c.index)), options.timeoutMs),
  }));
  const candidates = firstPass
    .filter((f) => f.result === "candidate")
    .map((f) => f.c)
    .slice(0, MAX_EXPLAINED);
  const userTests = results.filter((r) => r.package !== HARNESS_PREFIX);
  const regoTests = userTests.map((r) => regoTestOutcome(r, options.timeoutMs));
  const full = (r: RegoTestResult) => `${r.package}.${r.name.replace(/#\d+$/, "")}`;
  const failingTests = userTests.filter((r) => r.outcome === "fail").slice(0, MAX_EXPLAINED);
  const detailNames = [
    ...candidates.map((c) => `${HARNESS_PREFIX}.${detailTestName(c.index)}`),
    ...failingTests.map(full),
  ];
  const passing = results.filter((r) => r.outcome === "pass").map(full);
  if (candidates.length) {
    const harness = buildHarness(attempt.prepared, options.cases.length, new Set(candidates.map((c) => c.index)));
    await writeWorkspaceFile(dir, { path: HARNESS_FILE, content: harness.module });
  }
  const needCoverage = options.coverage !== false && !speculative?.ok && passing.length > 0;
  const [detailed, coverageRun] = await Promise.all([
    detailNames.length ? opaTestInDir(dir, { ...run, run: exactTestPattern(detailNames), explain: "full" }) : null,
    needCoverage ? opaCoverageInDir(dir, { ...run, run: exactTestPattern(passing) }) : speculative,
  ]);
  const traced = new Map((detailed?.ok ? detailed.results : []).map((r) => [`${r.package}.${r.name}`, r]));
  const cases = [
    ...attempt.failed,
    ...firstPass.map(({ c, result }) => {
      if (result !== "candidate") return result;
      const first = byName.get(caseTestName(c.index))!;
      if (!candidates.includes(c))
        return {
          id: c.id,
          name: c.name,
          query: c.query,
          status: "failed" as const,
          expected: c.expected,
          actual: null,
          durationMs: nsToMs(first.durationNs),
          message: `Not examined: only the first ${MAX_EXPLAINED} failures of a run are explained`,
        };
      return detailedCaseResult(c, first, traced.get(`${HARNESS_PREFIX}.${detailTestName(c.index)}`), sources);
    }),
  ];
  for (const t of failingTests)
    regoTests[userTests.indexOf(t)]!.explanation = toExplanation(traced.get(`${t.package}.${t.name}`)?.trace, sources);
  // With nothing passing there is nothing to measure (opa would report every line as missed).
  const coverage =
    coverageRun?.ok && passing.length > 0 ? coverageFor(policyPath, coverageRun.files[policyPath]) : null;
  return { cases, regoTests, coverage };
}

function indexOf(cases: TTestCase[], id: string): number {
  return cases.findIndex((c) => c.id === id);
}
