// What auditors filter on, pulled out of an OPA decision event into plain columns. The full
// input and result are stored as well; these are conveniences for indexes, never a substitute.

const MAX_CALLER = 2048;

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function at(value: Json, ...keys: string[]): Json {
  let current = value;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * allowed/denied from the decision's result: a boolean result, or an object result with a boolean
 * `allow` (Verdict's and most HTTP policies) or `allowed` (Envoy ext_authz). Anything else
 * (undefined, a set of violations, a number) is neither: null.
 */
export function extractAllowed(result: Json): boolean | null {
  if (typeof result === "boolean") return result;
  if (isObject(result)) {
    if (typeof result.allow === "boolean") return result.allow;
    if (typeof result.allowed === "boolean") return result.allowed;
  }
  return null;
}

// Where callers put the workload identity, in order of precedence: Verdict's own policy input
// (`input.caller`, a SPIFFE ID), Envoy's ext_authz CheckRequest (the mTLS peer's principal), the
// URI in an x-forwarded-client-cert header as forwarded by a proxy, then common generic names.
const CALLER_PATHS: string[][] = [
  ["caller"],
  ["caller", "spiffe_id"],
  ["caller", "id"],
  ["attributes", "source", "principal"],
  ["spiffe_id"],
  ["principal"],
];

export function extractCaller(input: Json): string | null {
  for (const path of CALLER_PATHS) {
    const value = at(input, ...path);
    if (typeof value === "string" && value.length > 0) return value.slice(0, MAX_CALLER);
  }
  const xfcc = forwardedClientCert(input);
  return xfcc ? xfcc.slice(0, MAX_CALLER) : null;
}

function forwardedClientCert(input: Json): string | null {
  const headers = at(input, "attributes", "request", "http", "headers");
  if (!isObject(headers)) return null;
  const value = headers["x-forwarded-client-cert"];
  if (typeof value !== "string") return null;
  // XFCC: comma-separated elements of key=value pairs; the last element is the nearest peer.
  const elements = value.split(",");
  const match = /(?:^|;)URI=("?)(spiffe:\/\/[^;"]+)\1/i.exec(elements[elements.length - 1]!);
  return match ? match[2]! : null;
}

/** Revision ids of the bundles that decided, ordered by bundle name (plus the deprecated single `revision`). */
export function extractRevisions(
  bundles: Record<string, { revision?: string }> | undefined,
  legacy: string | undefined,
): string[] {
  const revisions = Object.keys(bundles ?? {})
    .sort()
    .map((name) => bundles![name]!.revision)
    .filter((r): r is string => typeof r === "string" && r.length > 0);
  if (legacy && !revisions.includes(legacy)) revisions.push(legacy);
  return revisions;
}
