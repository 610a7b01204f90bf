import { regoVersionManifest } from "@/lib/opa/rego-version-manifest";
import { runOpa, withWorkspace, type WorkspaceFile } from "@/lib/opa/run-opa";
import { parseJsonOutput, type RegoModule } from "@/lib/opa/types";

/** One step of `--explain fails` for a failing test: where evaluation failed, and the bindings there. */
export type TraceStep = {
  op: string;
  file: string;
  row: number;
  col?: number;
  values?: Array<{ name: string | null; value: unknown }>;
  message?: string;
};

export type RegoTestResult = {
  package: string;
  name: string;
  file?: string;
  row?: number;
  durationNs: number;
  outcome: "pass" | "fail" | "error" | "skip";
  errorCode?: string;
  message?: string;
  output?: string;
  trace?: TraceStep[];
};

export type RegoTestRun =
  | { ok: true; results: RegoTestResult[]; durationMs: number }
  | { ok: false; error: string; durationMs: number };

export type OpaTestOptions = {
  /** Regular expression over "data.<package>.<test name>". */
  run?: string;
  /** Per test (opa test --timeout). */
  timeoutMs?: number;
  /** Bound on the whole process; past it opa is killed. */
  processTimeoutMs?: number;
  /** Collect `--explain` traces (costly: use for the failing tests only). */
  explain?: "fails" | "full";
  /** Read the workspace as one bundle, so that its `.manifest` gives v0 files their version. */
  bundle?: boolean;
};

export type CoverageRange = { start: { row: number }; end: { row: number } };
export type CoverageFile = {
  covered?: CoverageRange[];
  not_covered?: CoverageRange[];
  covered_lines?: number;
  not_covered_lines?: number;
  coverage?: number;
};
export type CoverageRun =
  | { ok: true; files: Record<string, CoverageFile>; coverage?: number; durationMs: number }
  | { ok: false; error: string; durationMs: number };

type RawTest = {
  location?: { file?: string; row?: number };
  package?: string;
  name?: string;
  duration?: number;
  fail?: boolean;
  skip?: boolean;
  error?: { code?: string; message?: string } | null;
  output?: string;
  trace?: RawTraceEvent[];
};

type RawTerm = { type?: string; value?: unknown };
type RawLocal = { name?: string; type?: string; value?: unknown };
type RawTraceEvent = {
  Op?: string;
  Location?: { file?: string; row?: number; col?: number };
  Locals?: RawLocal[];
  LocalMetadata?: Record<string, { name?: string }>;
  Message?: string;
};

/** `opa test -f json` in a workspace that already holds the modules and data. */
export async function opaTestInDir(dir: string, options: OpaTestOptions = {}): Promise<RegoTestRun> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const args = ["test", "-f", "json", "--timeout", `${timeoutMs}ms`];
  if (options.run) args.push("--run", options.run);
  if (options.explain) args.push("-v", "--explain", options.explain);
  if (options.bundle) args.push("-b");
  args.push(".");
  const result = await runOpa(args, { cwd: dir, timeoutMs: options.processTimeoutMs ?? timeoutMs + 5_000 });
  const parsed = parseJsonOutput(result.stdout);
  if (!Array.isArray(parsed)) {
    // Exit 1 means the files did not load or compile; opa says why as text on stderr.
    return {
      ok: false,
      error: (result.stderr || result.stdout).trim() || `opa test exited with ${result.exitCode}`,
      durationMs: result.durationMs,
    };
  }
  return { ok: true, results: (parsed as RawTest[]).map(toResult), durationMs: result.durationMs };
}

/**
 * `opa test --coverage` in a prepared workspace. OPA ignores `-f` here and prints text instead of
 * the JSON report as soon as one test fails, so callers pass `run` to select tests known to pass.
 */
export async function opaCoverageInDir(
  dir: string,
  options: { run?: string; timeoutMs?: number; processTimeoutMs?: number; bundle?: boolean } = {},
): Promise<CoverageRun> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // -z: a todo_ (skipped) test must not turn the report into a failure. --coverage-runs= turns
  // off the supplementary passes that only annotate why a range was missed (not shown), which
  // otherwise nearly double the time of this pass.
  const args = [
    "test",
    "--coverage",
    "-z",
    "--coverage-runs=",
    "--timeout",
    `${timeoutMs}ms`,
    ...(options.run ? ["--run", options.run] : []),
    ...(options.bundle ? ["-b"] : []),
    ".",
  ];
  const result = await runOpa(args, { cwd: dir, timeoutMs: options.processTimeoutMs ?? timeoutMs + 5_000 });
  const parsed = parseJsonOutput(result.stdout) as { files?: Record<string, CoverageFile>; coverage?: number } | null;
  if (result.exitCode !== 0 || !parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return {
      ok: false,
      error:
        (result.stderr || result.stdout).trim().slice(0, 2000) || `opa test --coverage exited with ${result.exitCode}`,
      durationMs: result.durationMs,
    };
  }
  return { ok: true, files: parsed.files ?? {}, coverage: parsed.coverage, durationMs: result.durationMs };
}

/** `opa test -f json` over modules (policies and their _test.rego files) and optional data. */
export async function runRegoTests(options: {
  modules: RegoModule[];
  data?: unknown;
  run?: string;
  timeoutMs?: number;
  extraFiles?: WorkspaceFile[];
}): Promise<RegoTestRun> {
  const manifest = regoVersionManifest(options.modules);
  const files: WorkspaceFile[] = [
    ...options.modules.map((m) => ({ path: m.path, content: m.source })),
    ...(options.data !== undefined ? [{ path: "data.json", content: JSON.stringify(options.data) }] : []),
    ...(options.extraFiles ?? []),
    ...(manifest ? [manifest] : []),
  ];
  return withWorkspace(files, (dir) =>
    opaTestInDir(dir, { run: options.run, timeoutMs: options.timeoutMs, bundle: manifest !== null }),
  );
}

/** Escapes a test's full name ("data.pkg.test_x") for `--run`, anchored so that it selects only that test. */
export function exactTestPattern(fullNames: string[]): string {
  const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return `^(${fullNames.map(escapeRegex).join("|")})$`;
}

function toResult(raw: RawTest): RegoTestResult {
  const outcome = raw.skip ? "skip" : raw.error ? "error" : raw.fail ? "fail" : "pass";
  return {
    package: raw.package ?? "",
    name: raw.name ?? "",
    file: raw.location?.file,
    row: raw.location?.row,
    durationNs: raw.duration ?? 0,
    outcome,
    errorCode: raw.error?.code,
    message: raw.error?.message,
    output: raw.output ? Buffer.from(raw.output, "base64").toString("utf8") : undefined,
    trace: raw.trace ? raw.trace.filter((e) => e.Location?.file).map(toTraceStep) : undefined,
  };
}

function toTraceStep(e: RawTraceEvent): TraceStep {
  // Locals are the operands of the failing expression; compiler temporaries (__localN__) carry
  // the author's variable name in LocalMetadata when there is one.
  const values = (e.Locals ?? [])
    .filter((l) => l.name && l.name !== "_" && !l.name.startsWith("$"))
    .map((l) => {
      const declared = e.LocalMetadata?.[l.name!]?.name ?? l.name!;
      return {
        name: /^__local\d+__$/.test(declared) ? null : declared,
        value: termToJson({ type: l.type, value: l.value }),
      };
    });
  return {
    op: e.Op ?? "",
    file: e.Location?.file ?? "",
    row: e.Location?.row ?? 0,
    col: e.Location?.col,
    ...(values.length ? { values } : {}),
    ...(e.Message ? { message: e.Message } : {}),
  };
}

/** OPA's AST term JSON ({type, value}) back to a plain JSON-ish value for display. */
export function termToJson(term: RawTerm | undefined): unknown {
  if (!term) return null;
  const v = term.value;
  switch (term.type) {
    case "null":
      return null;
    case "boolean":
    case "number":
    case "string":
      return v;
    case "array":
    case "set":
      return Array.isArray(v) ? v.map((t) => termToJson(t as RawTerm)) : [];
    case "object":
      return Array.isArray(v)
        ? Object.fromEntries(
            v.map((pair) => {
              const [k, val] = pair as [RawTerm, RawTerm];
              return [typeof k?.value === "string" ? k.value : JSON.stringify(termToJson(k)), termToJson(val)];
            }),
          )
        : {};
    default:
      return `<${term.type ?? "term"}>`;
  }
}
