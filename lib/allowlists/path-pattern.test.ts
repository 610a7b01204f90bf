import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  methodMatches,
  parseMethod,
  parsePathPattern,
  pathMatches,
  requestPathProblem,
  stripQuery,
  type PathPattern,
} from "@/lib/allowlists/path-pattern";

function pattern(raw: string): PathPattern {
  const parsed = parsePathPattern(raw);
  if (!parsed.ok) throw new Error(`${raw}: ${parsed.error}`);
  return parsed.value;
}

describe("parseMethod", () => {
  it("upper-cases methods and keeps *", () => {
    expect(parseMethod("post")).toEqual({ ok: true, value: "POST" });
    expect(parseMethod(" GET ")).toEqual({ ok: true, value: "GET" });
    expect(parseMethod("*")).toEqual({ ok: true, value: "*" });
    expect(parseMethod("PROPFIND")).toEqual({ ok: true, value: "PROPFIND" });
  });
  it.each(["", "GET POST", "G*", "1GET", "GET/"])("refuses %j", (raw) => {
    expect(parseMethod(raw)).toEqual({
      ok: false,
      error: "must be an HTTP method such as GET or POST, or * for any method",
    });
  });
});

describe("parsePathPattern", () => {
  it("splits segments and recognises a final `*`", () => {
    expect(pattern("/refunds/{id}")).toEqual({ path: "/refunds/{id}", segments: ["refunds", "{id}"], prefix: false });
    expect(pattern("/reports/*")).toEqual({ path: "/reports/*", segments: ["reports"], prefix: true });
    expect(pattern("/*")).toEqual({ path: "/*", segments: [], prefix: true });
    expect(pattern("/")).toEqual({ path: "/", segments: [""], prefix: false });
    expect(pattern("/refunds/")).toEqual({ path: "/refunds/", segments: ["refunds", ""], prefix: false });
    expect(pattern("/v1/users/{user_id}/keys/{keyId}")).toMatchObject({
      segments: ["v1", "users", "{user_id}", "keys", "{keyId}"],
    });
    expect(pattern("/a:b/@x/~me/v1.2/x-y_z;v=1")).toMatchObject({ prefix: false });
  });

  it.each([
    ["", "is empty"],
    ["*", "must start with `/`; write `/*` for every path"],
    ["refunds", "must start with `/`"],
    ["/refunds?id=1", "must not contain a query (`?…`); patterns match the path only"],
    ["/refunds#x", "must not contain a fragment (`#…`)"],
    [
      "/refunds%2Fx",
      "must not contain percent-encoding; write the decoded character, or use `{param}` for a variable segment",
    ],
    ["/refunds//x", "must not contain empty segments (`//`)"],
    ["//", "must not contain empty segments (`//`)"],
    ["/a/../b", "must not contain dot segments (`/..`)"],
    ["/a/./b", "must not contain dot segments (`/.`)"],
    ["/refunds*", "may use `*` only as the whole final segment (`/reports/*`)"],
    ["/*/refunds", "may use `*` only as the whole final segment (`/reports/*`)"],
    ["/reports/*/", "may use `*` only as the whole final segment (`/reports/*`)"],
    ["/reports/**", "may use `*` only as the whole final segment (`/reports/*`)"],
    ["/refunds/id{x}", 'has a malformed parameter "id{x}"; a parameter is a whole segment such as {id}'],
    ["/refunds/{}", 'has a malformed parameter "{}"; a parameter is a whole segment such as {id}'],
    ["/refunds/{1x}", 'has a malformed parameter "{1x}"; a parameter is a whole segment such as {id}'],
    ["/a/{id}/b/{id}", "uses the parameter {id} twice"],
    ["/a b", 'has " ", which is not allowed in a path segment'],
    ["/a\\b", 'has "\\", which is not allowed in a path segment'],
    ["/caf\u00e9", 'has "\u00e9", which is not allowed in a path segment'],
  ])("refuses %j: %s", (raw, message) => {
    expect(parsePathPattern(raw)).toEqual({ ok: false, error: message });
  });

  it("refuses patterns over 1024 characters", () => {
    expect(parsePathPattern(`/${"a".repeat(1023)}`).ok).toBe(true);
    expect(parsePathPattern(`/${"a".repeat(1024)}`)).toEqual({ ok: false, error: "is longer than 1024 characters" });
  });
});

describe("pathMatches", () => {
  it.each([
    // exact literals
    ["/refunds", "/refunds", true],
    ["/refunds", "/Refunds", false],
    ["/refunds", "/refunds/", false],
    ["/refunds/", "/refunds/", true],
    ["/refunds/", "/refunds", false],
    ["/", "/", true],
    ["/", "/x", false],
    // parameters: exactly one non-empty segment, raw
    ["/refunds/{id}", "/refunds/123", true],
    ["/refunds/{id}", "/refunds/", false],
    ["/refunds/{id}", "/refunds", false],
    ["/refunds/{id}", "/refunds/1/2", false],
    ["/refunds/{id}", "/refunds/a%20b", true],
    ["/refunds/{id}/items", "/refunds/7/items", true],
    // encoded slashes and backslashes never match, even where a parameter would
    ["/refunds/{id}", "/refunds/a%2Fb", false],
    ["/refunds/{id}", "/refunds/a%2fb", false],
    ["/refunds/{id}", "/refunds/a%5Cb", false],
    ["/refunds/*", "/refunds/a%2F..%2Fadmin", false],
    ["/refunds/{id}", "/refunds%2F123", false],
    // literal segments are not decoded
    ["/refunds", "/refund%73", false],
    // trailing `*`: whatever follows the slash, including nothing, but not the parent
    ["/reports/*", "/reports/", true],
    ["/reports/*", "/reports/q1", true],
    ["/reports/*", "/reports/q1/pdf", true],
    ["/reports/*", "/reports", false],
    ["/reports/*", "/reportsX/q1", false],
    ["/reports/*", "/Reports/q1", false],
    ["/*", "/", true],
    ["/*", "/anything/at/all", true],
    ["/v1/{tenant}/*", "/v1/acme/x/y", true],
    ["/v1/{tenant}/*", "/v1//x", false],
    // dot segments and empty segments in the request never match
    ["/*", "/a/../admin", false],
    ["/*", "/a/./b", false],
    ["/*", "/a/%2e%2e/admin", false],
    ["/*", "/a/.%2E/admin", false],
    ["/*", "/a/..;x/admin", false],
    ["/*", "//admin", false],
    ["/*", "/a\\..\\admin", false],
    ["/*", "refunds", false],
  ])("%s vs %s → %s", (p, request, expected) => {
    expect(pathMatches(pattern(p), request)).toBe(expected);
  });

  it("explains why a request path can never match", () => {
    expect(requestPathProblem("/ok/path")).toBeNull();
    expect(requestPathProblem("/a/%2F")).toBe("contains an encoded slash or backslash");
    expect(requestPathProblem("/a//b")).toBe("contains an empty segment (//)");
    expect(requestPathProblem("/a/..")).toBe("contains a dot segment");
    expect(requestPathProblem("x")).toBe("does not start with /");
  });

  it("strips the query and fragment an enforcement point includes in the path", () => {
    expect(stripQuery("/refunds/1?expand=items&x=/admin")).toBe("/refunds/1");
    expect(stripQuery("/refunds/1#top")).toBe("/refunds/1");
    expect(stripQuery("/refunds/1")).toBe("/refunds/1");
  });

  it("matches methods exactly, `*` matching any", () => {
    expect(methodMatches("*", "DELETE")).toBe(true);
    expect(methodMatches("POST", "POST")).toBe(true);
    expect(methodMatches("POST", "post")).toBe(false);
    expect(methodMatches("POST", "GET")).toBe(false);
  });
});

const literal = fc
  .string({ unit: fc.constantFrom(..."abcXYZ019-._~"), minLength: 1, maxLength: 6 })
  .filter((s) => s !== "." && s !== "..");

describe("path pattern properties", () => {
  it("a pattern of literals matches its own path and nothing that differs in one segment", () => {
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 5 }), fc.nat(), literal, (segments, at, other) => {
        const path = `/${segments.join("/")}`;
        const p = pattern(path);
        expect(pathMatches(p, path)).toBe(true);
        const i = at % segments.length;
        fc.pre(other !== segments[i]);
        const changed = segments.map((s, j) => (j === i ? other : s));
        expect(pathMatches(p, `/${changed.join("/")}`)).toBe(false);
        expect(pathMatches(p, `${path}/`)).toBe(false);
      }),
    );
  });

  it("`/prefix/*` matches exactly the normal paths that start with `/prefix/`", () => {
    const requestPath = fc
      .array(fc.oneof(literal, fc.constant("")), { minLength: 1, maxLength: 5 })
      .map((s) => `/${s.join("/")}`);
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 3 }), requestPath, (prefix, request) => {
        const p = pattern(`/${prefix.join("/")}/*`);
        const normal = requestPathProblem(request) === null;
        expect(pathMatches(p, request)).toBe(normal && request.startsWith(`/${prefix.join("/")}/`));
      }),
    );
  });
});
