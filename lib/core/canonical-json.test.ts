import { describe, expect, it } from "vitest";
import { canonicalJson, toPlainJson } from "@/lib/core/canonical-json";

describe("canonicalJson", () => {
  it("sorts keys recursively and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("escapes U+2028 and U+2029 as Go does", () => {
    expect(canonicalJson("a\u2028b\u2029")).toBe('"a\\u2028b\\u2029"');
  });

  it("matches what a JSONB round trip gives back", () => {
    const value = { when: new Date("2026-01-02T03:04:05.678Z"), n: 1.5, nested: { skip: undefined } };
    expect(toPlainJson(value)).toEqual({ when: "2026-01-02T03:04:05.678Z", n: 1.5, nested: {} });
  });
});
