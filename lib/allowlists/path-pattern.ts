// Endpoint patterns: an HTTP method (or `*`) and a path pattern such as `/refunds/{id}` or
// `/reports/*`. The same rules are implemented in Rego (lib/allowlists/rego/authz.rego); an
// agreement test runs both on generated cases.
//
// Matching is on the raw request path, segment by segment, case-sensitive, never decoding:
// - a literal segment matches only itself (`/refunds` ≠ `/Refunds` ≠ `/refunds/`);
// - `{name}` matches exactly one non-empty segment;
// - a final `*` segment matches whatever follows the preceding `/`, including nothing:
//   `/reports/*` matches `/reports/`, `/reports/q1` and `/reports/q1/pdf`, but not `/reports`;
//   `/*` matches every path.
// Request paths that are not in normal form (encoded `/` or `\`, dot segments, `//`) match
// nothing, so a caller cannot reach `/admin` through `/refunds/..%2Fadmin`.

import type { ParseResult } from "@/lib/allowlists/spiffe-id";

export const MAX_PATH_PATTERN_LENGTH = 1024;
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"] as const;

const METHOD = /^[A-Z][A-Z0-9-]{0,31}$/;
const LITERAL_CHAR = /^[A-Za-z0-9\-._~!$&'()+,;=:@]$/;
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$/;

export type PathPattern = {
  /** The pattern as written, e.g. `/refunds/{id}`. */
  path: string;
  /** Segments before a final `*`; `{name}` segments stay as written. `/` → `[""]`, `/*` → `[]`. */
  segments: string[];
  /** True when the pattern ends in `/*`. */
  prefix: boolean;
};

/** `post` → `POST`; `*` stays `*`. */
export function parseMethod(raw: string): ParseResult<string> {
  const method = raw.trim().toUpperCase();
  if (method === "*") return { ok: true, value: "*" };
  if (!METHOD.test(method))
    return { ok: false, error: "must be an HTTP method such as GET or POST, or * for any method" };
  return { ok: true, value: method };
}

export function parsePathPattern(raw: string): ParseResult<PathPattern> {
  const fail = (error: string): ParseResult<PathPattern> => ({ ok: false, error });
  if (raw.length === 0) return fail("is empty");
  if (raw.length > MAX_PATH_PATTERN_LENGTH) return fail(`is longer than ${MAX_PATH_PATTERN_LENGTH} characters`);
  if (raw === "*") return fail("must start with `/`; write `/*` for every path");
  if (!raw.startsWith("/")) return fail("must start with `/`");
  if (raw.includes("?")) return fail("must not contain a query (`?…`); patterns match the path only");
  if (raw.includes("#")) return fail("must not contain a fragment (`#…`)");
  if (raw.includes("%"))
    return fail(
      "must not contain percent-encoding; write the decoded character, or use `{param}` for a variable segment",
    );
  const parts = raw.slice(1).split("/");
  const prefix = parts[parts.length - 1] === "*";
  const segments = prefix ? parts.slice(0, -1) : parts;
  const names = new Set<string>();
  for (const [index, segment] of segments.entries()) {
    const error = checkSegment(segment, index === segments.length - 1 && !prefix, names);
    if (error) return fail(error);
  }
  return { ok: true, value: { path: raw, segments, prefix } };
}

function checkSegment(segment: string, isLast: boolean, names: Set<string>): string | null {
  if (segment === "") return isLast ? null : "must not contain empty segments (`//`)";
  if (segment === "." || segment === "..") return `must not contain dot segments (\`/${segment}\`)`;
  if (segment.includes("*")) return "may use `*` only as the whole final segment (`/reports/*`)";
  if (segment.includes("{") || segment.includes("}")) {
    const param = PARAM.exec(segment);
    if (!param) return `has a malformed parameter "${segment}"; a parameter is a whole segment such as {id}`;
    if (names.has(param[1]!)) return `uses the parameter {${param[1]}} twice`;
    names.add(param[1]!);
    return null;
  }
  const bad = [...segment].find((c) => !LITERAL_CHAR.test(c));
  return bad === undefined ? null : `has "${bad}", which is not allowed in a path segment`;
}

/** Why a request path can never match (not in normal form), or null when it is fine. */
export function requestPathProblem(path: string): string | null {
  if (!path.startsWith("/")) return "does not start with /";
  if (path.includes("\\")) return "contains a backslash";
  if (/%(2f|5c)/i.test(path)) return "contains an encoded slash or backslash";
  if (path.includes("//")) return "contains an empty segment (//)";
  // `..;x` counts too: some servers (Tomcat) drop `;params` before resolving dot segments.
  if (path.split("/").some((s) => /^(\.|%2e){1,2}(;.*)?$/i.test(s))) return "contains a dot segment";
  return null;
}

/** The path an enforcement point reports, without its query string or fragment. */
export function stripQuery(path: string): string {
  return path.split("?")[0]!.split("#")[0]!;
}

export function methodMatches(patternMethod: string, requestMethod: string): boolean {
  return patternMethod === "*" || patternMethod === requestMethod;
}

export function pathMatches(pattern: PathPattern, requestPath: string): boolean {
  if (requestPathProblem(requestPath) !== null) return false;
  const request = requestPath.slice(1).split("/");
  if (pattern.prefix ? request.length <= pattern.segments.length : request.length !== pattern.segments.length)
    return false;
  return pattern.segments.every((segment, i) => segmentMatches(segment, request[i]!));
}

function segmentMatches(pattern: string, actual: string): boolean {
  return pattern.startsWith("{") ? actual !== "" : pattern === actual;
}

/** `POST /refunds/{id}`: the endpoint's key in the OPA data and in access diffs. */
export function endpointKey(method: string, path: string): string {
  return `${method} ${path}`;
}
