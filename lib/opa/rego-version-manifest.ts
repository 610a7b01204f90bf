import type { WorkspaceFile } from "@/lib/opa/run-opa";
import { manifestRegoVersion, type RegoVersion } from "@/lib/rego/rego-version";

export const MANIFEST_FILE = ".manifest";

type VersionedPath = { path: string; regoVersion?: RegoVersion };

/**
 * The one way opa reads v0 and v1 modules side by side: as a bundle whose `.manifest` names each
 * v0 file in `file_rego_versions`; every other file stays v1. Workspaces are directories, whose
 * files OPA names "/" + their path from the bundle root (a tarball's go by their entry names). Flags such as `--v0-compatible` apply to every file at once, so they
 * cannot mix a v0 policy with the v1 harness, tests or other policies of a run.
 *
 * Null when every file is v1: then nothing changes and opa loads the files as plain paths.
 */
export function regoVersionManifest(files: VersionedPath[], roots?: string[]): WorkspaceFile | null {
  const v0 = files.filter((f) => f.regoVersion === "v0").map((f) => f.path);
  if (v0.length === 0) return null;
  const fileVersions = Object.fromEntries(
    v0.sort().map((p) => [`/${p.replace(/^\/+/, "")}`, manifestRegoVersion("v0")]),
  );
  return {
    path: MANIFEST_FILE,
    content: JSON.stringify({ ...(roots ? { roots } : {}), file_rego_versions: fileVersions }),
  };
}

/** The smallest set of roots covering these packages: a bundle's roots must not overlap. */
export function packageRoots(packagePaths: string[]): string[] {
  const slashed = [...new Set(packagePaths.map((p) => p.replaceAll(".", "/")))].sort();
  return slashed.filter((p) => !slashed.some((q) => q !== p && p.startsWith(`${q}/`)));
}
