import { HARNESS_DATA_ROOT, HARNESS_PACKAGE, type TTestCase } from "@/lib/policy-tests/schemas";
import type { Outcome } from "@/lib/policy-tests/types";

export const HARNESS_FILE = `${HARNESS_PACKAGE}/harness.rego`;
export const RESULT_MARKER = "@@verdict-result ";

/** A case whose texts parsed and that the harness evaluates as test `test_case_<index>`. */
export type PreparedCase = {
  index: number;
  id: string;
  name: string;
  query: string;
  expected: Outcome;
  input: unknown;
  hasInput: boolean;
  overrides: Array<{ path: string[]; value: unknown }>;
};

export type RejectedCase = {
  index: number;
  id: string;
  name: string;
  query: string;
  message: string;
  expected: Outcome | null;
};

export type Harness = {
  module: string;
  /** Loaded at data.verdict_testrun_data (one entry per case index; null for rejected cases). */
  data: { cases: Array<{ want: { value?: unknown }; input?: unknown; data?: unknown } | null> };
  /** 1-based source rows of each case's generated rules, to pin compile errors on the right cases. */
  rowsByCase: Map<number, Array<[number, number]>>;
};

export function caseTestName(index: number): string {
  return `test_case_${index}`;
}

/** The printing variant of a case's test, generated only for the cases a second pass looks into. */
export function detailTestName(index: number): string {
  return `test_detail_${index}`;
}

/** Parses a case's JSON texts. Everything that is wrong with one case stays on that case. */
export function prepareCase(c: TTestCase, index: number, packagePath: string): PreparedCase | RejectedCase {
  const query = c.query || `data.${packagePath}.allow`;
  const base = { index, id: c.id, name: c.name, query };
  const expected = parseExpected(c.expected);
  if ("error" in expected) return { ...base, expected: null, message: expected.error };
  const input = parseJsonText(c.input, "Input");
  if ("error" in input) return { ...base, expected: expected.outcome, message: input.error };
  const data = parseJsonText(c.data, "Data overrides");
  if ("error" in data) return { ...base, expected: expected.outcome, message: data.error };
  if (data.present && (data.value === null || typeof data.value !== "object" || Array.isArray(data.value))) {
    return { ...base, expected: expected.outcome, message: "Data overrides must be a JSON object (merged into data)" };
  }
  const overrides = data.present ? overrideLeaves(data.value as Record<string, unknown>, []) : [];
  if (overrides.some((o) => o.path[0]?.startsWith(HARNESS_PACKAGE))) {
    return {
      ...base,
      expected: expected.outcome,
      message: `Data overrides may not touch data.${HARNESS_PACKAGE}*, which the test harness uses`,
    };
  }
  return {
    ...base,
    expected: expected.outcome,
    input: input.present ? input.value : undefined,
    hasInput: input.present,
    overrides,
  };
}

/**
 * One generated module evaluates every case: a function per distinct (query, input?, override
 * paths) evaluates the query `with` the case's input and data overrides, and one test rule per
 * case compares the result with the expectation. `opa test` then runs all cases in one process,
 * each with its own duration, timeout and error. The comparison stays cheap (no printing) because
 * most cases pass; for the few that do not, `detail` adds rules that print the actual result
 * (read back by a second, traced pass over just those).
 */
export function buildHarness(cases: PreparedCase[], total: number, detail: ReadonlySet<number> = new Set()): Harness {
  const lines = [`package ${HARNESS_PACKAGE}`, ""];
  const rowsByCase = new Map<number, Array<[number, number]>>();
  const addRows = (index: number, start: number, end: number) =>
    rowsByCase.set(index, [...(rowsByCase.get(index) ?? []), [start, end]]);
  const groups = new Map<string, { fn: string; members: number[]; rows: [number, number] }>();
  const data: Harness["data"] = { cases: Array.from({ length: total }, () => null) };

  for (const c of cases) {
    data.cases[c.index] = {
      want: c.expected.defined ? { value: c.expected.value } : {},
      ...(c.hasInput ? { input: c.input } : {}),
      ...(c.overrides.length ? { data: overridesObject(c.overrides) } : {}),
    };
    const key = groupKey(c);
    const existing = groups.get(key);
    if (existing) {
      existing.members.push(c.index);
      continue;
    }
    const start = lines.length + 1;
    const fn = `q${groups.size}`;
    lines.push(...functionFor(fn, c), "");
    groups.set(key, { fn, members: [c.index], rows: [start, lines.length - 1] });
  }
  // A compile error inside a shared function belongs to every case that calls it.
  for (const group of groups.values()) for (const index of group.members) addRows(index, ...group.rows);
  for (const c of cases) {
    const call = `${groups.get(groupKey(c))!.fn}(${c.index})`;
    lines.push(`${caseTestName(c.index)} if ${call} == data.${HARNESS_DATA_ROOT}.cases[${c.index}].want`);
    addRows(c.index, lines.length, lines.length);
    if (detail.has(c.index))
      lines.push(
        `${detailTestName(c.index)} if print(concat("", [${JSON.stringify(RESULT_MARKER)}, json.marshal(${call})]))`,
      );
  }
  return { module: `${lines.join("\n")}\n`, data, rowsByCase };
}

function groupKey(c: PreparedCase): string {
  return JSON.stringify([c.query, c.hasInput, c.overrides.map((o) => o.path)]);
}

function functionFor(fn: string, c: PreparedCase): string[] {
  const caseRef = `data.${HARNESS_DATA_ROOT}.cases[i]`;
  const withs = [
    ...(c.hasInput ? [`with input as ${caseRef}.input`] : []),
    ...c.overrides.map(
      (o) => `with ${dataRef(o.path)} as ${caseRef}.data${o.path.map((s) => `[${JSON.stringify(s)}]`).join("")}`,
    ),
  ];
  return [
    `${fn}(i) := {"value": v} if {`,
    `\tv := ${c.query}${withs.length ? ` ${withs.join(" ")}` : ""}`,
    "} else := {}",
  ];
}

function dataRef(path: string[]): string {
  return `data${path.map((s) => `[${JSON.stringify(s)}]`).join("")}`;
}

/** Deep merge as `with` does it: every leaf (scalar, array or non-empty object's leaves) replaces only its own path. */
export function overrideLeaves(
  value: Record<string, unknown>,
  prefix: string[],
): Array<{ path: string[]; value: unknown }> {
  const out: Array<{ path: string[]; value: unknown }> = [];
  for (const [key, v] of Object.entries(value)) {
    const path = [...prefix, key];
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      // An empty object merges nothing.
      out.push(...overrideLeaves(v as Record<string, unknown>, path));
    } else {
      out.push({ path, value: v });
    }
  }
  return out;
}

function overridesObject(leaves: Array<{ path: string[]; value: unknown }>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const { path, value } of leaves) {
    let node = root;
    path.slice(0, -1).forEach((seg) => {
      node[seg] ??= {};
      node = node[seg] as Record<string, unknown>;
    });
    node[path[path.length - 1]!] = value;
  }
  return root;
}

type ParsedText = { present: false } | { present: true; value: unknown } | { error: string };

export function parseJsonText(text: string, what: string): ParsedText {
  if (text.trim() === "") return { present: false };
  try {
    return { present: true, value: JSON.parse(text) };
  } catch (cause) {
    return { error: `${what} is not valid JSON: ${jsonErrorDetail(text, cause)}` };
  }
}

function parseExpected(text: string): { outcome: Outcome } | { error: string } {
  if (text.trim() === "undefined") return { outcome: { defined: false } };
  const parsed = parseJsonText(text, "Expected");
  if ("error" in parsed) return parsed;
  if (!parsed.present) return { error: "Expected is empty: give a JSON value or the word undefined" };
  return { outcome: { defined: true, value: parsed.value } };
}

// V8 reports a character position; people read lines and columns.
function jsonErrorDetail(text: string, cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(position));
  const line = before.split("\n").length;
  const col = Number(position) - before.lastIndexOf("\n");
  return `${message} (line ${line}, column ${col})`;
}

/** The case's decision from its test's print output, and what the policy itself printed. */
export function readCaseOutput(output: string | undefined): { actual: Outcome | null; printed: string } {
  const lines = (output ?? "").split("\n");
  const markerIndex = lines.findLastIndex((l) => l.startsWith(RESULT_MARKER));
  if (markerIndex < 0) return { actual: null, printed: lines.join("\n").trim() };
  const raw = JSON.parse(lines[markerIndex]!.slice(RESULT_MARKER.length)) as { value?: unknown };
  const printed = lines
    .filter((_, i) => i !== markerIndex)
    .join("\n")
    .trim();
  return { actual: "value" in raw ? { defined: true, value: raw.value } : { defined: false }, printed };
}
