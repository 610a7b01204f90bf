export const IMPACT_PACKAGE = "verdict_impact";
export const IMPACT_QUERY = `data.${IMPACT_PACKAGE}.results`;

export type ImpactCase = { path: string; input: unknown; hasInput: boolean };

/**
 * One generated module re-evaluates every recorded input in a single `opa eval`: per decision
 * path, a rule evaluates that path `with input as` each case's input (read from
 * data.verdict_impact.cases) and files the value under the case's index; an undefined decision
 * simply leaves its index out. Paths become Rego refs with every segment as a JSON-quoted string,
 * so a recorded path can never inject Rego.
 */
export function buildImpactHarness(cases: ImpactCase[]): {
  module: string;
  data: { cases: Array<{ q: number; input?: unknown }> };
} {
  const paths = [...new Set(cases.map((c) => c.path))];
  const lines = [`package ${IMPACT_PACKAGE}`, ""];
  paths.forEach((path, q) => {
    const ref = quotedRef(path);
    lines.push(
      "results[i] := v if {",
      "\tsome i",
      `\tc := data.${IMPACT_PACKAGE}.cases[i]`,
      `\tc.q == ${q}`,
      `\t"input" in object.keys(c)`,
      `\tv := ${ref} with input as c.input`,
      "}",
      "",
      "results[i] := v if {",
      "\tsome i",
      `\tc := data.${IMPACT_PACKAGE}.cases[i]`,
      `\tc.q == ${q}`,
      `\tnot "input" in object.keys(c)`,
      `\tv := ${ref}`,
      "}",
      "",
    );
  });
  const index = new Map(paths.map((p, q) => [p, q]));
  return {
    module: lines.join("\n"),
    data: { cases: cases.map((c) => ({ q: index.get(c.path)!, ...(c.hasInput ? { input: c.input } : {}) })) },
  };
}

/** data["a"]["b"] for the decision path a/b — every segment quoted, whatever it contains. */
export function quotedRef(path: string): string {
  return `data${path
    .split("/")
    .filter(Boolean)
    .map((s) => `[${JSON.stringify(s)}]`)
    .join("")}`;
}
