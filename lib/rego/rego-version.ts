/**
 * The two Rego language versions. OPA 1.x reads modules as v1 unless told otherwise: a policy
 * kept in v0 is checked and tested with per-file versions and ships with its bundle's
 * `.manifest` declaring it in `file_rego_versions` (docs/opa-protocol.md §2).
 */
export type RegoVersion = "v0" | "v1";

export const REGO_VERSIONS = ["v0", "v1"] as const satisfies readonly RegoVersion[];
export const DEFAULT_REGO_VERSION: RegoVersion = "v1";

/** The number a bundle manifest uses for a version (`rego_version`, `file_rego_versions`). */
export function manifestRegoVersion(version: RegoVersion): 0 | 1 {
  return version === "v0" ? 0 : 1;
}
