import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonNestingExceeds } from "@/lib/core/json-depth";

function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe("jsonNestingExceeds", () => {
  it("agrees with the depth of the parsed value, whatever brackets, quotes and escapes strings hold", () => {
    const tricky = fc.string({ unit: fc.constantFrom("[", "]", "{", "}", '"', "\\", "a", "é", "\u2028") });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        tricky,
        fc.integer(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(tricky, tie("value"), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (value, max) => {
        const text = Buffer.from(JSON.stringify(value), "utf8");
        expect(jsonNestingExceeds(text, max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 1000 },
    );
  });

  it("finds deep nesting without recursing", () => {
    const deep = Buffer.from(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`);
    expect(jsonNestingExceeds(deep, 512)).toBe(true);
    expect(jsonNestingExceeds(Buffer.from("[[1]]"), 2)).toBe(false);
  });
});
