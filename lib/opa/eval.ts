import { packageRoots, regoVersionManifest } from "@/lib/opa/rego-version-manifest";
import { runOpa, withWorkspace, type WorkspaceFile } from "@/lib/opa/run-opa";
import { declaredPackage } from "@/lib/rego/rego-package";
import { parseJsonOutput, toRegoErrors, type RegoError, type RegoModule } from "@/lib/opa/types";

export type EvalOptions = {
  query: string;
  modules: RegoModule[];
  /** Documents loaded under data (written as data.json at the workspace root). */
  data?: unknown;
  input?: unknown;
  explain?: "notes" | "fails" | "full";
  metrics?: boolean;
  timeoutMs?: number;
  extraFiles?: WorkspaceFile[];
  /** Bundle tarballs (.tar.gz) loaded with -b, e.g. a published revision; signatures are not re-verified. */
  bundles?: Buffer[];
};

export type EvalResult =
  | {
      ok: true;
      results: Array<{ expressions: Array<{ value: unknown; text: string }>; bindings?: Record<string, unknown> }>;
      explanation?: unknown;
      metrics?: Record<string, number>;
      durationMs: number;
    }
  | { ok: false; errors: RegoError[]; durationMs: number };

/** `opa eval -f json` over modules and data in a temp workspace. Undefined results come back as an empty list. */
export async function evalQuery(options: EvalOptions): Promise<EvalResult> {
  // With v0 modules the policies are read as a bundle; its roots are the modules' packages so
  // that it never overlaps the other bundles loaded beside it.
  const roots = options.bundles?.length
    ? packageRoots(options.modules.map((m) => declaredPackage(m.source) ?? ""))
    : undefined;
  const manifest = regoVersionManifest(options.modules, roots);
  const files: WorkspaceFile[] = [
    ...options.modules.map((m) => ({ path: `policies/${m.path}`, content: m.source })),
    ...(manifest ? [{ ...manifest, path: `policies/${manifest.path}` }] : []),
    ...(options.data !== undefined ? [{ path: "data/data.json", content: JSON.stringify(options.data) }] : []),
    ...(options.extraFiles ?? []),
    ...(options.bundles ?? []).map((content, i) => ({ path: `bundles/${i}.tar.gz`, content })),
  ];
  return withWorkspace(files, async (dir) => {
    const args = ["eval", "-f", "json"];
    if (options.modules.length > 0) args.push(manifest ? "-b" : "-d", "policies");
    for (let i = 0; i < (options.bundles ?? []).length; i++) args.push("-b", `bundles/${i}.tar.gz`);
    if (options.data !== undefined) args.push("-d", "data");
    if (options.input !== undefined) args.push("--stdin-input");
    if (options.explain) args.push("--explain", options.explain);
    if (options.metrics) args.push("--metrics");
    if (options.timeoutMs) args.push("--timeout", `${options.timeoutMs}ms`);
    args.push(options.query);
    const result = await runOpa(args, {
      cwd: dir,
      stdin: options.input !== undefined ? JSON.stringify(options.input) : undefined,
      timeoutMs: (options.timeoutMs ?? 30_000) + 5_000,
    });
    const parsed = parseJsonOutput(result.stdout) as {
      result?: unknown[];
      explanation?: unknown;
      metrics?: Record<string, number>;
      errors?: unknown;
    } | null;
    if (result.exitCode !== 0 || !parsed || parsed.errors) {
      const errors = toRegoErrors(parsed);
      return {
        ok: false,
        errors:
          errors.length > 0
            ? errors
            : [
                {
                  code: "opa_error",
                  message: (result.stderr || result.stdout).trim() || `opa eval exited with ${result.exitCode}`,
                },
              ],
        durationMs: result.durationMs,
      };
    }
    return {
      ok: true,
      results: (parsed.result ?? []) as Extract<EvalResult, { ok: true }>["results"],
      explanation: parsed.explanation,
      metrics: parsed.metrics,
      durationMs: result.durationMs,
    };
  });
}
