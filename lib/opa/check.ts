import { regoVersionManifest } from "@/lib/opa/rego-version-manifest";
import { runOpa, withWorkspace } from "@/lib/opa/run-opa";
import { parseJsonOutput, toRegoErrors, type RegoError, type RegoModule } from "@/lib/opa/types";

export type CheckResult = { errors: RegoError[]; warnings: RegoError[] };

/**
 * `opa check` over a set of modules. Errors stop a module from compiling; warnings are what
 * `--strict` adds on top (unused variables and imports, deprecated built-ins, shadowing).
 */
export async function checkModules(
  modules: RegoModule[],
  options: { strict?: boolean; timeoutMs?: number } = {},
): Promise<CheckResult> {
  const manifest = regoVersionManifest(modules);
  return withWorkspace(
    [...modules.map((m) => ({ path: m.path, content: m.source })), ...(manifest ? [manifest] : [])],
    async (dir) => {
      const paths = modules.map((m) => m.path);
      const bundle = manifest !== null;
      const plain = await checkIn(dir, paths, false, options.timeoutMs, bundle);
      if (!options.strict || plain.length > 0) return { errors: plain, warnings: [] };
      const strict = await checkIn(dir, paths, true, options.timeoutMs, bundle);
      return { errors: [], warnings: strict };
    },
  );
}

/**
 * `opa check` over paths inside an existing workspace; structured errors with file, row and
 * column. With `bundle`, the workspace is read as one bundle (every file in it, paths ignored)
 * so that the `.manifest` of `regoVersionManifest` gives its v0 files their version.
 */
export async function checkIn(
  dir: string,
  paths: string[],
  strict: boolean,
  timeoutMs?: number,
  bundle = false,
): Promise<RegoError[]> {
  const args = [
    "check",
    "-f",
    "json",
    "--max-errors",
    "100",
    ...(strict ? ["--strict"] : []),
    ...(bundle ? ["-b", "."] : paths),
  ];
  const result = await runOpa(args, { cwd: dir, timeoutMs });
  if (result.exitCode === 0) return [];
  const errors = toRegoErrors(parseJsonOutput(result.stderr) ?? parseJsonOutput(result.stdout));
  if (errors.length > 0) return errors;
  return [
    {
      code: "opa_error",
      message: (result.stderr || result.stdout).trim() || `opa check exited with ${result.exitCode}`,
    },
  ];
}
