import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runOpa, withWorkspace } from "@/lib/opa/run-opa";
import { canonicalPackage, parseDeclaration } from "@/lib/rego/rego-package";
import { policyFilePath } from "@/lib/rego/policy-module";

/** What the pinned `opa parse` makes of a module: the package's segments, or null when it refuses it. */
async function opaPackage(source: string): Promise<string[] | null> {
  return withWorkspace([{ path: "p.rego", content: source }], async (dir) => {
    const result = await runOpa(["parse", "--format", "json", "p.rego"], { cwd: dir, timeoutMs: 20_000 });
    if (result.exitCode !== 0) return null;
    const parsed = JSON.parse(result.stdout) as { package?: { path: Array<{ type: string; value: string }> } };
    const path = parsed.package?.path ?? [];
    expect(path.slice(1).every((t) => t.type === "string")).toBe(true);
    return path.slice(1).map((t) => t.value);
  });
}

const letter = fc.constantFrom(..."abcxyzABKZ_");
const identTail = fc.array(fc.constantFrom(..."az09_Q"), { maxLength: 5 }).map((cs) => cs.join(""));
// `data` as the first segment is the data root (OPA's JSON spells it data.data, its compiler drops it)
// and `_` is a wildcard; both are left to the example-based tests.
const ident = fc
  .tuple(letter, identTail)
  .map(([h, t]) => h + t)
  .filter((s) => s !== "_");
const nearMissIdent = fc.constantFrom("9a", "ä", "a-b", "a b", "", "1");
const stringValue = fc.string({ unit: "binary", maxLength: 6 });
const quoted = fc.oneof(
  stringValue.map((v) => JSON.stringify(v)),
  // Raw characters inside the quotes, escaping only what must be escaped.
  stringValue.map((v) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`),
  stringValue.filter((v) => !v.includes("`")).map((v) => `\`${v}\``),
  fc.constantFrom('"\\x41"', '"\\a"', "1", "x", '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud83d"', '"\\/"'),
);
const space = fc.constantFrom("", "", " ", "\n ", "\t");
const segment = fc.oneof(
  { weight: 4, arbitrary: ident.map((s) => `.${s}`) },
  { weight: 4, arbitrary: fc.tuple(space, quoted, space).map(([a, q, b]) => `[${a}${q}${b}]`) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      nearMissIdent.map((s) => `.${s}`),
      ident.map((s) => ` .${s}`),
    ),
  },
);
const declaration = fc
  .tuple(
    fc.constantFrom("", "# header\n", "\n\n"),
    fc.oneof({ weight: 6, arbitrary: ident }, { weight: 1, arbitrary: nearMissIdent }),
    fc.array(segment, { maxLength: 4 }),
    fc.constantFrom("", " # trailing", "\t", ";"),
  )
  .map(([pre, head, rest, tail]) => `${pre}package ${head}${rest.join("")}${tail}\n\nallow := true\n`);

describe("package names against the pinned opa parse (property-based)", () => {
  it("accepts what opa accepts, refuses what it refuses, and reads the same path", async () => {
    await fc.assert(
      fc.asyncProperty(declaration, async (source) => {
        const ours = parseDeclaration(source);
        const theirs = await opaPackage(source);
        expect({ source, segments: ours.ok ? ours.segments : null }).toEqual({ source, segments: theirs });
        if (!ours.ok) return;
        // The canonical spelling is itself a package opa reads back to the same path, at a safe file path.
        expect(await opaPackage(`package ${canonicalPackage(ours.segments)}\n`)).toEqual(ours.segments);
        const file = policyFilePath(canonicalPackage(ours.segments));
        expect(file.split("/").every((part) => part !== ".." && part !== "." && part !== "")).toBe(true);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
