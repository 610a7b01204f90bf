/** The package path a module declares (`package payments.authz` → "payments.authz"), or null. */
export function declaredPackage(source: string): string | null {
  for (const rawLine of source.split(/\r?\n/)) {
    const line = rawLine.replace(/#.*$/, "").trim();
    if (!line) continue;
    const match = /^package\s+(.+)$/.exec(line);
    if (!match) return null;
    return normalizePackageRef(match[1]!.trim());
  }
  return null;
}

// `package a["b"].c` and `package a.b.c` name the same package.
function normalizePackageRef(ref: string): string {
  return ref.replace(/\["([^"]+)"\]/g, ".$1").replace(/^data\./, "");
}
