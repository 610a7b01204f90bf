import { runOpa, withWorkspace } from "@/lib/opa/run-opa";
import { parseJsonOutput } from "@/lib/opa/types";

export type BundleInspection = {
  manifest?: { revision?: string; roots?: string[]; rego_version?: number; metadata?: Record<string, unknown> };
  signatures_config?: unknown;
  namespaces?: Record<string, string[]>;
};

/** `opa inspect -f json` of a bundle tarball. */
export async function inspectBundle(tarball: Buffer, options: { timeoutMs?: number } = {}): Promise<BundleInspection> {
  return withWorkspace([{ path: "bundle.tar.gz", content: tarball }], async (dir) => {
    const result = await runOpa(["inspect", "-f", "json", "bundle.tar.gz"], { cwd: dir, timeoutMs: options.timeoutMs });
    const parsed = parseJsonOutput(result.stdout);
    if (result.exitCode !== 0 || !parsed)
      throw new Error(`opa inspect failed: ${(result.stderr || result.stdout).trim()}`);
    return parsed as BundleInspection;
  });
}
