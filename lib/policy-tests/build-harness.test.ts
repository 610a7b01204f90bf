import { describe, expect, it } from "vitest";
import {
  buildHarness,
  overrideLeaves,
  prepareCase,
  readCaseOutput,
  RESULT_MARKER,
  type PreparedCase,
} from "@/lib/policy-tests/build-harness";
import { coverageFor, sameOutcome, toExplanation } from "@/lib/policy-tests/map-test-results";

const base = {
  id: "00000000-0000-4000-8000-000000000001",
  name: "c",
  query: "",
  input: "",
  data: "",
  expected: "true",
};

describe("prepareCase", () => {
  it("defaults the query to the package's allow and reads undefined", () => {
    expect(prepareCase({ ...base, expected: " undefined " }, 0, "a.b")).toMatchObject({
      query: "data.a.b.allow",
      expected: { defined: false },
      hasInput: false,
      overrides: [],
    });
  });

  it.each([
    [{ input: "{" }, /^Input is not valid JSON: .*line 1, column 2|^Input is not valid JSON/],
    [{ expected: "" }, /^Expected is empty/],
    [{ expected: "nope" }, /^Expected is not valid JSON/],
    [{ data: "[1]" }, /must be a JSON object/],
    [{ data: '{"verdict_testrun_data": {"x": 1}}' }, /may not touch/],
  ])("keeps what is wrong on the case: %j", (patch, message) => {
    expect(prepareCase({ ...base, ...patch }, 3, "a")).toMatchObject({
      index: 3,
      message: expect.stringMatching(message),
    });
  });
});

describe("overrideLeaves", () => {
  it("merges like `with`: leaves replace their own path, empty objects change nothing", () => {
    expect(overrideLeaves({ limits: { max: 10, tiers: [1, 2] }, flags: {}, name: "x" }, [])).toEqual([
      { path: ["limits", "max"], value: 10 },
      { path: ["limits", "tiers"], value: [1, 2] },
      { path: ["name"], value: "x" },
    ]);
  });
});

describe("buildHarness", () => {
  it("shares one function per query and override shape, one test per case, and maps rows back to cases", () => {
    const a = prepareCase({ ...base, input: '{"u": 1}' }, 0, "p") as PreparedCase;
    const b = prepareCase({ ...base, input: '{"u": 2}' }, 1, "p") as PreparedCase;
    const c = prepareCase(
      { ...base, data: '{"cfg": {"k": "v"}}', query: 'data.p["odd-name"]' },
      2,
      "p",
    ) as PreparedCase;
    const h = buildHarness([a, b, c], 4);
    expect(h.module.match(/^q\d+\(i\)/gm)).toEqual(["q0(i)", "q1(i)"]);
    expect(h.module).toContain('with data["cfg"]["k"] as data.verdict_testrun_data.cases[i].data["cfg"]["k"]');
    expect(h.module).toContain('v := data.p["odd-name"] with data');
    expect(h.module.match(/^test_case_\d+ if/gm)).toEqual(["test_case_0 if", "test_case_1 if", "test_case_2 if"]);
    expect(h.data.cases).toEqual([
      { want: { value: true }, input: { u: 1 } },
      { want: { value: true }, input: { u: 2 } },
      { want: { value: true }, data: { cfg: { k: "v" } } },
      null,
    ]);
    expect(h.module).not.toContain("test_detail_");
    expect(buildHarness([a, b, c], 4, new Set([1])).module).toMatch(/^test_detail_1 if print\(/m);
    const lines = h.module.split("\n");
    const [start, end] = h.rowsByCase.get(2)![0]!;
    expect(lines.slice(start - 1, end).join("\n")).toContain('data.p["odd-name"]');
  });
});

describe("reading results", () => {
  it("separates the marked result from what the policy printed", () => {
    expect(readCaseOutput(`debug: x\n${RESULT_MARKER}{"value":{"a":[1]}}\n`)).toEqual({
      actual: { defined: true, value: { a: [1] } },
      printed: "debug: x",
    });
    expect(readCaseOutput(`${RESULT_MARKER}{}\n`)).toEqual({ actual: { defined: false }, printed: "" });
  });

  it("compares JSON regardless of key order, and undefined only with undefined", () => {
    expect(
      sameOutcome({ defined: true, value: { a: 1, b: [1, 2] } }, { defined: true, value: { b: [1, 2], a: 1 } }),
    ).toBe(true);
    expect(sameOutcome({ defined: true, value: [1, 2] }, { defined: true, value: [2, 1] })).toBe(false);
    expect(sameOutcome({ defined: false }, { defined: true, value: false })).toBe(false);
  });

  it("turns coverage ranges into lines and a percentage", () => {
    expect(
      coverageFor("p.rego", {
        covered: [{ start: { row: 3 }, end: { row: 5 } }],
        not_covered: [{ start: { row: 8 }, end: { row: 8 } }],
      }),
    ).toEqual({ file: "p.rego", covered: [3, 4, 5], notCovered: [8], percent: 75 });
  });

  it("explains failures in the author's files, and the default rule when no rule matched", () => {
    const files = new Map([["p.rego", ["package p", "", "default allow := false", "", "allow if input.x > 1"]]]);
    const trace = [
      { op: "Index", file: "verdict_testrun/harness.rego", row: 4, message: "(matched 0 rules, early exit)" },
      { op: "Enter", file: "p.rego", row: 3 },
      { op: "Fail", file: "p.rego", row: 5, values: [{ name: null, value: 0 }] },
      { op: "Fail", file: "verdict_testrun/harness.rego", row: 4 },
    ];
    expect(toExplanation(trace, files)).toEqual([
      { file: "p.rego", row: 3, op: "Default", source: "default allow := false" },
      { file: "p.rego", row: 5, op: "Fail", source: "allow if input.x > 1", values: [{ name: null, value: 0 }] },
    ]);
  });
});
