import { packageSegments } from "@/lib/rego/rego-package";

/**
 * Bundle roots as OPA understands them: slash-separated data paths ("payments", "httpapi/rbac").
 * Two roots overlap when one is a path prefix of the other (OPA refuses to activate two bundles
 * whose roots overlap), and a policy's package must lie under one of its bundle's roots.
 */
// Segments are names as in package names (capitals allowed) or the plain parts of quoted ones (`b-c`).
export const ROOT_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export function rootsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** Pairs of overlapping roots between two sets (or within one set when `others` is omitted). */
export function overlappingRoots(roots: string[], others?: string[]): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  if (others) {
    for (const a of roots) for (const b of others) if (rootsOverlap(a, b)) found.push([a, b]);
    return found;
  }
  for (let i = 0; i < roots.length; i++) {
    for (let j = i + 1; j < roots.length; j++)
      if (rootsOverlap(roots[i]!, roots[j]!)) found.push([roots[i]!, roots[j]!]);
  }
  return found;
}

/** "payments.authz" → "payments/authz", `a["b-c"]` → "a/b-c": the data path a Rego package occupies. */
export function packageDataPath(packagePath: string): string {
  return packageSegments(packagePath).join("/");
}

export function isUnderRoots(dataPath: string, roots: string[]): boolean {
  return roots.some((root) => dataPath === root || dataPath.startsWith(`${root}/`));
}
