import { checkIn } from "@/lib/opa/check";
import { runOpa, withWorkspace } from "@/lib/opa/run-opa";

const FILE = "module.rego";
const TIMEOUT_MS = 15_000;

/** "v1" when the module parses as Rego v1, else "v0" when it parses as v0, else null. Only parsing decides. */
export async function detectRegoVersion(source: string): Promise<"v0" | "v1" | null> {
  return withWorkspace([{ path: FILE, content: source }], async (dir) => {
    const parses = async (args: string[]) =>
      !(await checkIn(dir, args, false, TIMEOUT_MS)).some(
        (e) => e.code === "rego_parse_error" || e.code === "opa_error",
      );
    if (await parses([FILE])) return "v1";
    if (await parses(["--v0-compatible", FILE])) return "v0";
    return null;
  });
}

/** A v0 module rewritten as v1 by the pinned `opa fmt --v0-v1`, or what opa said when it could not. */
export async function convertRegoV0ToV1(source: string): Promise<{ source: string } | { error: string }> {
  const result = await runOpa(["fmt", "--v0-v1"], { stdin: source, timeoutMs: TIMEOUT_MS });
  if (result.exitCode !== 0) return { error: result.stderr.trim() || `opa fmt exited with ${result.exitCode}` };
  return { source: result.stdout };
}
