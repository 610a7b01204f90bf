import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  callerMatches,
  checkTrustDomainName,
  parseCallerPattern,
  parseSpiffeId,
  trustDomainOf,
} from "@/lib/allowlists/spiffe-id";

const error = (raw: string) => {
  const result = parseSpiffeId(raw);
  return result.ok ? null : result.error;
};
const callerError = (raw: string) => {
  const result = parseCallerPattern(raw);
  return result.ok ? null : result.error;
};

describe("parseSpiffeId", () => {
  it.each([
    "spiffe://example.org",
    "spiffe://example.org/ns/billing/sa/api",
    "spiffe://prod_1.example-corp.org/Service-A/v1.2",
    "spiffe://k8s-west.example.com/9eebccd2-12bf-40a6-b262-65fe0487d453",
    "spiffe://a/..a/.b/a..",
  ])("accepts %s", (raw) => {
    expect(parseSpiffeId(raw)).toMatchObject({ ok: true, value: { id: raw } });
  });

  it("splits trust domain and path", () => {
    expect(parseSpiffeId("spiffe://prod/ns/billing")).toEqual({
      ok: true,
      value: { id: "spiffe://prod/ns/billing", trustDomain: "prod", path: "/ns/billing" },
    });
    expect(parseSpiffeId("spiffe://prod")).toEqual({
      ok: true,
      value: { id: "spiffe://prod", trustDomain: "prod", path: "" },
    });
  });

  it.each([
    ["", "is empty"],
    ["example.org/ns/a", 'must start with "spiffe://"'],
    ["https://example.org/ns/a", 'must use the spiffe scheme (got "https:")'],
    ["SPIFFE://example.org/ns/a", 'must start with "spiffe://" in lower case (got "SPIFFE://")'],
    ["spiffe:/example.org", 'must start with "spiffe://"'],
    ["spiffe://", "has no trust domain"],
    ["spiffe:///ns/a", "has no trust domain"],
    [
      "spiffe://Example.ORG/ns/a",
      "has upper-case letters in the trust domain; trust domains are lower case (spiffe://example.org/ns/a)",
    ],
    ["spiffe://exa$mple.org/ns/a", 'has "$" in the trust domain; only a-z, 0-9, ".", "-" and "_" are allowed'],
    ["spiffe://example.org:8443/ns/a", "must not have a port in the trust domain"],
    ["spiffe://example.org:/ns/a", "must not have a port in the trust domain"],
    ["spiffe://user@example.org/ns/a", "must not contain userinfo (`user@`) before the trust domain"],
    ["spiffe://user:pw@example.org/ns/a", "must not contain userinfo (`user@`) before the trust domain"],
    ["spiffe://example.org/ns/a?x=1", "must not have a query (`?…`)"],
    ["spiffe://example.org?x=1", "must not have a query (`?…`)"],
    ["spiffe://example.org/ns/a#frag", "must not have a fragment (`#…`)"],
    ["spiffe://example.org/ns/%61", "must not contain percent-encoded characters"],
    ["spiffe://ex%41mple.org/ns", "must not contain percent-encoded characters"],
    ["spiffe://example.org/", "must not end with `/`"],
    ["spiffe://example.org/ns/a/", "must not end with `/`"],
    ["spiffe://example.org//ns", "must not contain empty path segments (`//`)"],
    ["spiffe://example.org/ns/./a", "must not contain dot segments (`/.`)"],
    ["spiffe://example.org/ns/../admin", "must not contain dot segments (`/..`)"],
    ["spiffe://example.org/ns/a b", "contains whitespace, control or non-ASCII characters"],
    ["spiffe://example.org/ns/ä", "contains whitespace, control or non-ASCII characters"],
    ["spiffe://example.org/ns/a+b", 'has "+" in the path; path segments allow only A-Z, a-z, 0-9, ".", "-" and "_"'],
    ["spiffe://example.org/ns/*", 'has "*" in the path; path segments allow only A-Z, a-z, 0-9, ".", "-" and "_"'],
  ])("refuses %j: %s", (raw, message) => {
    expect(error(raw)).toBe(message);
  });

  it("enforces the 2048-byte and 255-byte limits", () => {
    const longPath = `spiffe://example.org/${"a".repeat(2048 - "spiffe://example.org/".length)}`;
    expect(longPath.length).toBe(2048);
    expect(error(longPath)).toBeNull();
    expect(error(`${longPath}b`)).toBe("is longer than 2048 bytes");
    expect(error(`spiffe://${"a".repeat(255)}/x`)).toBeNull();
    expect(error(`spiffe://${"a".repeat(256)}/x`)).toBe("has a trust domain longer than 255 bytes");
  });

  it("reads the trust domain of a well-formed ID", () => {
    expect(trustDomainOf("spiffe://prod.example/ns/a")).toBe("prod.example");
    expect(trustDomainOf("spiffe://prod.example")).toBe("prod.example");
    expect(trustDomainOf("https://x")).toBeNull();
    expect(checkTrustDomainName("prod.example")).toBeNull();
    expect(checkTrustDomainName("Prod")).toMatch(/upper-case/);
  });
});

describe("parseCallerPattern", () => {
  it("accepts an exact ID and an explicit trailing /* wildcard", () => {
    expect(parseCallerPattern("spiffe://prod/ns/billing/sa/api")).toMatchObject({ ok: true, value: { kind: "exact" } });
    expect(parseCallerPattern("spiffe://prod/ns/billing/*")).toEqual({
      ok: true,
      value: {
        kind: "wildcard",
        id: "spiffe://prod/ns/billing/*",
        trustDomain: "prod",
        path: "/ns/billing",
        prefix: "spiffe://prod/ns/billing/",
      },
    });
    expect(parseCallerPattern("spiffe://prod/*")).toMatchObject({
      ok: true,
      value: { kind: "wildcard", prefix: "spiffe://prod/" },
    });
  });

  it.each([
    [
      "spiffe://prod/ns/billing*",
      "may use `*` only as a whole final segment (`spiffe://example.org/ns/billing/*`), not inside a segment or the trust domain",
    ],
    [
      "spiffe://prod/ns/*/sa/api",
      "may use `*` only as a whole final segment (`spiffe://example.org/ns/billing/*`), not inside a segment or the trust domain",
    ],
    ["spiffe://prod/*/*", "may contain `*` only once, as the final `/*` segment"],
    ["spiffe://*", "must name a trust domain; `*` is allowed only as a final path segment (`/*`)"],
    ["spiffe://*/ns/a", "must name a trust domain; `*` is allowed only as a final path segment (`/*`)"],
    ["spiffe://pr*d/ns/a", "must name a trust domain; `*` is allowed only as a final path segment (`/*`)"],
    ["spiffe://prod//*", "must not end with `/`"],
    ["spiffe://prod/ns/../*", "must not contain dot segments (`/..`)"],
    ["spiffe://Prod/*", "has upper-case letters in the trust domain; trust domains are lower case (spiffe://prod)"],
    ["*", 'must start with "spiffe://"'],
  ])("refuses %j: %s", (raw, message) => {
    expect(callerError(raw)).toBe(message);
  });

  it("`/*` matches IDs strictly below the prefix, never the prefix itself or a sibling with the same start", () => {
    const pattern = parseCallerPattern("spiffe://prod/ns/billing/*");
    if (!pattern.ok) throw new Error(pattern.error);
    expect(callerMatches(pattern.value, "spiffe://prod/ns/billing/sa/api")).toBe(true);
    expect(callerMatches(pattern.value, "spiffe://prod/ns/billing/x")).toBe(true);
    expect(callerMatches(pattern.value, "spiffe://prod/ns/billing")).toBe(false);
    expect(callerMatches(pattern.value, "spiffe://prod/ns/billing-admin/sa/api")).toBe(false);
    expect(callerMatches(pattern.value, "spiffe://staging/ns/billing/sa/api")).toBe(false);
  });

  it("an exact pattern matches only the identical ID (paths are case-sensitive)", () => {
    const pattern = parseCallerPattern("spiffe://prod/ns/Billing");
    if (!pattern.ok) throw new Error(pattern.error);
    expect(callerMatches(pattern.value, "spiffe://prod/ns/Billing")).toBe(true);
    expect(callerMatches(pattern.value, "spiffe://prod/ns/billing")).toBe(false);
  });
});

const tdChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789.-_");
const segChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
const trustDomain = fc.string({ unit: tdChar, minLength: 1, maxLength: 40 });
const segment = fc.string({ unit: segChar, minLength: 1, maxLength: 12 }).filter((s) => s !== "." && s !== "..");
const validId = fc
  .tuple(trustDomain, fc.array(segment, { maxLength: 6 }))
  .map(([td, segs]) => `spiffe://${td}${segs.map((s) => `/${s}`).join("")}`);

describe("SPIFFE ID properties", () => {
  it("every ID built from the spec's grammar is accepted and round-trips", () => {
    fc.assert(
      fc.property(validId, (id) => {
        const parsed = parseSpiffeId(id);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(`spiffe://${parsed.value.trustDomain}${parsed.value.path}`).toBe(id);
      }),
    );
  });

  it("inserting any forbidden character anywhere after the scheme makes it invalid", () => {
    const forbidden = fc.constantFrom("?", "#", "%", "@", ":", " ", "\\", "ü", "\u0000", "*", "+", "~");
    fc.assert(
      fc.property(validId, forbidden, fc.nat(), (id, bad, at) => {
        const position = "spiffe://".length + (at % (id.length - "spiffe://".length + 1));
        expect(parseSpiffeId(id.slice(0, position) + bad + id.slice(position)).ok).toBe(false);
      }),
    );
  });

  it("a wildcard matches exactly the valid IDs that extend its prefix by one or more segments", () => {
    fc.assert(
      fc.property(validId, validId, fc.array(segment, { minLength: 1, maxLength: 3 }), (base, other, extra) => {
        const pattern = parseCallerPattern(`${base}/*`);
        expect(pattern.ok).toBe(true);
        if (!pattern.ok) return;
        expect(callerMatches(pattern.value, `${base}/${extra.join("/")}`)).toBe(true);
        expect(callerMatches(pattern.value, base)).toBe(false);
        const otherExtends = other.startsWith(`${base}/`);
        expect(callerMatches(pattern.value, other)).toBe(otherExtends);
      }),
    );
  });
});
