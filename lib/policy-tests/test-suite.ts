import { createHash, randomUUID } from "node:crypto";
import { canonicalJson } from "@/lib/core/canonical-json";
import { ZTestCase, type TTestCase } from "@/lib/policy-tests/schemas";

/** What a policy version carries besides its source: one `_test.rego` module and its table of cases. */
export type TestSuite = { testSource: string; cases: TTestCase[] };

export const EMPTY_SUITE: TestSuite = { testSource: "", cases: [] };

/** Gives every case a stable id (the editor and re-runs address cases by it). */
export function withCaseIds(cases: Array<Omit<TTestCase, "id"> & { id?: string }>): TTestCase[] {
  const seen = new Set<string>();
  return cases.map((c) => {
    const id = c.id && !seen.has(c.id) ? c.id : randomUUID();
    seen.add(id);
    return { id, name: c.name, query: c.query, input: c.input, data: c.data, expected: c.expected };
  });
}

/**
 * The content hash of a suite. Case ids are identities for the editor, not content, so two
 * suites with the same cases in the same order hash the same however they were made.
 */
export function testsSha256(suite: TestSuite): string {
  const cases = suite.cases.map((c) => ({
    name: c.name,
    query: c.query,
    input: c.input,
    data: c.data,
    expected: c.expected,
  }));
  return createHash("sha256")
    .update(canonicalJson({ cases, testSource: suite.testSource }))
    .digest("hex");
}

/** Cases as stored in a version's JSONB column (validated on the way in; re-checked on the way out). */
export function readStoredCases(value: unknown): TTestCase[] {
  if (!Array.isArray(value)) return [];
  return withCaseIds(
    value.flatMap((raw) => {
      const parsed = ZTestCase.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    }),
  );
}
