import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pgSafeJson, pgSafeText } from "@/lib/core/pg-safe-json";

/** What PostgreSQL would be given: NUL and unpaired surrogates replaced, everything else untouched. */
function storable(value: unknown): unknown {
  if (typeof value === "string")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the reference implementation matches NUL on purpose
    return value.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)]));
  return value;
}

describe("pgSafeJson", () => {
  it("replaces exactly NUL and lone surrogates, in keys and values, and nothing else", () => {
    const text = fc.string({
      unit: fc.constantFrom("\u0000", "\ud800", "\udc00", "😀", "\\", "u", "0", "d", "8", "a", "\n", "\u0001"),
    });
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        text,
        fc.integer(),
        fc.array(tie("v"), { maxLength: 3 }),
        fc.dictionary(text, tie("v"), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const safe = pgSafeJson(JSON.stringify(v));
        expect(JSON.parse(safe)).toEqual(storable(v));
        expect(safe).not.toMatch(/(?<!\\)(\\\\)*\\u(0000|d[89a-f])/);
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps text that only looks like an escape", () => {
    expect(JSON.parse(pgSafeJson(JSON.stringify({ a: "\\u0000", b: "\\\u0000" })))).toEqual({
      a: "\\u0000",
      b: "\\\ufffd",
    });
  });

  it("makes any string storable as text the same way it makes JSON storable", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const safe = pgSafeText(text);
        expect(safe).not.toContain("\u0000");
        expect(Buffer.from(safe, "utf8").toString("utf8")).toBe(safe);
        expect(JSON.parse(pgSafeJson(JSON.stringify(text)))).toBe(safe);
      }),
      { numRuns: 1000 },
    );
  });
});
