import { runOpa } from "@/lib/opa/run-opa";
import { checkModules } from "@/lib/opa/check";
import type { RegoError } from "@/lib/opa/types";
import type { RegoVersion } from "@/lib/rego/rego-version";

export type FormatResult = { ok: true; formatted: string; changed: boolean } | { ok: false; errors: RegoError[] };

/** `opa fmt` on one module. A module that does not parse comes back with structured errors. */
export async function formatRego(
  source: string,
  options: { fileName?: string; timeoutMs?: number; regoVersion?: RegoVersion } = {},
): Promise<FormatResult> {
  const v0 = options.regoVersion === "v0";
  const result = await runOpa(["fmt", ...(v0 ? ["--v0-compatible"] : [])], {
    stdin: source,
    timeoutMs: options.timeoutMs,
  });
  if (result.exitCode === 0) return { ok: true, formatted: result.stdout, changed: result.stdout !== source };
  // `opa fmt` reports parse errors only as text; `opa check` gives the same errors as JSON.
  const { errors } = await checkModules(
    [{ path: options.fileName ?? "policy.rego", source, regoVersion: options.regoVersion }],
    {
      timeoutMs: options.timeoutMs,
    },
  );
  return {
    ok: false,
    errors: errors.length > 0 ? errors : [{ code: "rego_parse_error", message: result.stderr.trim() }],
  };
}
