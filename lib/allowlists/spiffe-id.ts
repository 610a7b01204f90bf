// SPIFFE ID parsing per the SPIFFE ID standard (spiffe/spiffe standards/SPIFFE-ID.md, as
// implemented by go-spiffe v2): `spiffe://<trust domain>[/<segment>…]`, ASCII only.
// Callers in an allowlist may also end in an explicit `/*` wildcard (see parseCallerPattern).

export const SPIFFE_SCHEME = "spiffe://";
export const MAX_SPIFFE_ID_BYTES = 2048;
export const MAX_TRUST_DOMAIN_BYTES = 255;

const TRUST_DOMAIN_CHAR = /^[a-z0-9._-]$/;
const PATH_SEGMENT_CHAR = /^[A-Za-z0-9._-]$/;

export type SpiffeId = { id: string; trustDomain: string; path: string };

/** A caller in an allowlist entry: one exact SPIFFE ID, or every ID under a path prefix. */
export type CallerPattern =
  | { kind: "exact"; id: string; trustDomain: string; path: string }
  | { kind: "wildcard"; id: string; trustDomain: string; path: string; prefix: string };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

/** Validates one SPIFFE ID; the error says exactly which rule it breaks. */
export function parseSpiffeId(raw: string): ParseResult<SpiffeId> {
  if (raw.length === 0) return fail("is empty");
  if (/[^\x21-\x7e]/.test(raw)) return fail("contains whitespace, control or non-ASCII characters");
  if (Buffer.byteLength(raw, "utf8") > MAX_SPIFFE_ID_BYTES) return fail(`is longer than ${MAX_SPIFFE_ID_BYTES} bytes`);
  const scheme = checkScheme(raw);
  if (scheme) return fail(scheme);
  const rest = raw.slice(SPIFFE_SCHEME.length);
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  const tdError = checkTrustDomain(authority, raw);
  if (tdError) return fail(tdError);
  const pathError = checkPath(path);
  if (pathError) return fail(pathError);
  return { ok: true, value: { id: raw, trustDomain: authority, path } };
}

/** An allowlist caller: a SPIFFE ID, or one ending in `/*` (every ID below that path). */
export function parseCallerPattern(raw: string): ParseResult<CallerPattern> {
  const scheme = raw.length === 0 ? "is empty" : checkScheme(raw);
  if (scheme) return fail(scheme);
  if (/^spiffe:\/\/[^/]*\*/i.test(raw))
    return fail("must name a trust domain; `*` is allowed only as a final path segment (`/*`)");
  if (raw.endsWith("/*")) {
    const base = raw.slice(0, -2);
    if (base.includes("*")) return fail("may contain `*` only once, as the final `/*` segment");
    const parsed = parseSpiffeId(base);
    if (!parsed.ok) return parsed;
    const { trustDomain, path } = parsed.value;
    return { ok: true, value: { kind: "wildcard", id: raw, trustDomain, path, prefix: `${base}/` } };
  }
  if (raw.includes("*")) {
    return fail(
      "may use `*` only as a whole final segment (`spiffe://example.org/ns/billing/*`), not inside a segment or the trust domain",
    );
  }
  const parsed = parseSpiffeId(raw);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { kind: "exact", ...parsed.value } };
}

/** Does a concrete caller ID fall under this pattern? (`/*` needs at least one more segment.) */
export function callerMatches(pattern: CallerPattern, callerId: string): boolean {
  if (pattern.kind === "exact") return pattern.id === callerId;
  return callerId.startsWith(pattern.prefix) && callerId.length > pattern.prefix.length;
}

export function trustDomainOf(id: string): string | null {
  if (!id.startsWith(SPIFFE_SCHEME)) return null;
  const rest = id.slice(SPIFFE_SCHEME.length);
  const slash = rest.indexOf("/");
  return slash === -1 ? rest : rest.slice(0, slash);
}

/** For UI and import messages: a bare trust domain name (as on a Service). */
export function checkTrustDomainName(name: string): string | null {
  return checkTrustDomain(name, `${SPIFFE_SCHEME}${name}`);
}

function checkScheme(raw: string): string | null {
  if (raw.startsWith(SPIFFE_SCHEME)) return null;
  if (raw.toLowerCase().startsWith(SPIFFE_SCHEME))
    return `must start with "spiffe://" in lower case (got "${raw.slice(0, 9)}")`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^spiffe:/i.test(raw))
    return `must use the spiffe scheme (got "${raw.slice(0, raw.indexOf(":"))}:")`;
  return 'must start with "spiffe://"';
}

function checkTrustDomain(authority: string, raw: string): string | null {
  if (authority.length === 0) return "has no trust domain";
  if (authority.includes("@")) return "must not contain userinfo (`user@`) before the trust domain";
  if (authority.includes("?")) return "must not have a query (`?…`)";
  if (authority.includes("#")) return "must not have a fragment (`#…`)";
  if (authority.includes(":"))
    return /:\d*$/.test(authority)
      ? "must not have a port in the trust domain"
      : "the trust domain must not contain `:`";
  if (authority.includes("%")) return "must not contain percent-encoded characters";
  if (authority.length > MAX_TRUST_DOMAIN_BYTES)
    return `has a trust domain longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`;
  if (/[A-Z]/.test(authority) && [...authority.toLowerCase()].every((c) => TRUST_DOMAIN_CHAR.test(c))) {
    const fixed = raw.replace(authority, authority.toLowerCase());
    return `has upper-case letters in the trust domain; trust domains are lower case (${fixed})`;
  }
  const bad = [...authority].find((c) => !TRUST_DOMAIN_CHAR.test(c));
  if (bad !== undefined) return `has "${bad}" in the trust domain; only a-z, 0-9, ".", "-" and "_" are allowed`;
  return null;
}

function checkPath(path: string): string | null {
  if (path === "") return null;
  if (path.includes("?")) return "must not have a query (`?…`)";
  if (path.includes("#")) return "must not have a fragment (`#…`)";
  if (path.includes("%")) return "must not contain percent-encoded characters";
  if (path === "/" || path.endsWith("/")) return "must not end with `/`";
  const segments = path.slice(1).split("/");
  for (const segment of segments) {
    if (segment === "") return "must not contain empty path segments (`//`)";
    if (segment === "." || segment === "..") return `must not contain dot segments (\`/${segment}\`)`;
    const bad = [...segment].find((c) => !PATH_SEGMENT_CHAR.test(c));
    if (bad !== undefined) return `has "${bad}" in the path; path segments allow only A-Z, a-z, 0-9, ".", "-" and "_"`;
  }
  return null;
}
