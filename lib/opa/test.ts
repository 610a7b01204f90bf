import { runOpa, withWorkspace, type WorkspaceFile } from "@/lib/opa/run-opa";
import { parseJsonOutput, type RegoModule } from "@/lib/opa/types";

export type RegoTestResult = {
  package: string;
  name: string;
  file?: string;
  row?: number;
  durationNs: number;
  outcome: "pass" | "fail" | "error" | "skip";
  message?: string;
  output?: string;
};

export type RegoTestRun =
  | { ok: true; results: RegoTestResult[]; durationMs: number }
  | { ok: false; error: string; durationMs: number };

type RawTest = {
  location?: { file?: string; row?: number };
  package?: string;
  name?: string;
  duration?: number;
  fail?: boolean;
  skip?: boolean;
  error?: { message?: string } | null;
  output?: string;
};

/** `opa test -f json` over modules (policies and their _test.rego files) and optional data. */
export async function runRegoTests(options: { modules: RegoModule[]; data?: unknown; run?: string; timeoutMs?: number; extraFiles?: WorkspaceFile[] }): Promise<RegoTestRun> {
  const files: WorkspaceFile[] = [
    ...options.modules.map((m) => ({ path: m.path, content: m.source })),
    ...(options.data !== undefined ? [{ path: "data.json", content: JSON.stringify(options.data) }] : []),
    ...(options.extraFiles ?? []),
  ];
  return withWorkspace(files, async (dir) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const args = ["test", "-f", "json", "--timeout", `${timeoutMs}ms`, ...(options.run ? ["--run", options.run] : []), "."];
    const result = await runOpa(args, { cwd: dir, timeoutMs: timeoutMs + 5_000 });
    const parsed = parseJsonOutput(result.stdout);
    if (!Array.isArray(parsed)) {
      return { ok: false, error: (result.stderr || result.stdout).trim() || `opa test exited with ${result.exitCode}`, durationMs: result.durationMs };
    }
    return { ok: true, results: (parsed as RawTest[]).map(toResult), durationMs: result.durationMs };
  });
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
    message: raw.error?.message,
    output: raw.output ? Buffer.from(raw.output, "base64").toString("utf8") : undefined,
  };
}
