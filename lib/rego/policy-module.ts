import { packageSegments } from "@/lib/rego/rego-package";

/** The largest Rego module a policy version may hold. */
export const MAX_MODULE_BYTES = 1024 * 1024;

/**
 * Where a policy's module lives inside a bundle and in error locations: payments.authz →
 * payments/authz/policy.rego. OPA reads the package from the module, not from its path, so a
 * segment that is not a plain name (`a["b/../c"]`) is percent-encoded into one safe path part:
 * every byte outside [A-Za-z0-9_-] becomes %XX, and the empty segment is "%". Plain names never
 * hold "%", so no two packages share a path, and no path climbs out of its folder.
 */
export function policyFilePath(packagePath: string): string {
  return `${packageSegments(packagePath).map(pathPart).join("/")}/policy.rego`;
}

function pathPart(segment: string): string {
  if (segment === "") return "%";
  let out = "";
  for (const byte of Buffer.from(segment, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
