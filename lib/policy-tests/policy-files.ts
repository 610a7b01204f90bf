import { strToU8, zipSync } from "fflate";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError, type FieldError } from "@/lib/core/errors";
import type { TTestCase, TTestCaseInput } from "@/lib/policy-tests/schemas";

// A policy with its tests as plain files a team keeps in git and runs `opa test` on directly:
//   policy.rego        the policy module
//   policy_test.rego   Rego unit tests (optional)
//   cases.json         {"cases": [...]} table-driven cases (or cases.yaml / cases.yml)
// `opa test .` in that folder runs policy_test.rego; it also loads cases.json as data under
// data.cases, which is harmless unless the policy reads data.cases (then pass --ignore cases.json).

export const POLICY_FILE = "policy.rego";
export const TEST_FILE = "policy_test.rego";
export const CASES_FILE = "cases.json";
export const MAX_IMPORT_FILE_BYTES = 2 * 1024 * 1024;

const ZCaseFileEntry = z
  .object({
    name: z.string().trim().min(1).max(200),
    query: z.string().trim().max(500).optional(),
    input: z.unknown().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    expected: z.unknown().optional(),
    undefined: z.literal(true).optional(),
  })
  .strict()
  .refine(
    (c) => (c.expected !== undefined) !== (c.undefined === true),
    'give either expected (a JSON value) or "undefined": true',
  );

const ZCasesFile = z.object({ cases: z.array(ZCaseFileEntry).max(1000) }).strict();

export type PolicyFiles = { source: string; testSource: string; cases: TTestCaseInput[] };

/** The files of a version. A case whose input, data or expected text is not JSON cannot be written as a file. */
export function toPolicyFiles(source: string, testSource: string, cases: TTestCase[]): Record<string, string> {
  const problems: FieldError[] = [];
  const entries = cases.map((c, i) => {
    const value = (text: string, what: string) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        problems.push({ path: `cases.${i}.${what}`, message: `case “${c.name}”: ${what} is not valid JSON` });
        return null;
      }
    };
    return {
      name: c.name,
      ...(c.query ? { query: c.query } : {}),
      ...(c.input.trim() ? { input: value(c.input, "input") } : {}),
      ...(c.data.trim() ? { data: value(c.data, "data") } : {}),
      ...(c.expected.trim() === "undefined" ? { undefined: true } : { expected: value(c.expected, "expected") }),
    };
  });
  if (problems.length)
    throw new AppError("unprocessable", "Some cases are not valid JSON yet; fix them before exporting", {
      fieldErrors: problems,
    });
  return {
    [POLICY_FILE]: source,
    ...(testSource.trim() ? { [TEST_FILE]: testSource } : {}),
    [CASES_FILE]: `${JSON.stringify({ cases: entries }, null, 2)}\n`,
  };
}

export function zipFiles(files: Record<string, string>): Uint8Array {
  // A fixed timestamp keeps the archive byte-identical for identical content.
  const mtime = new Date("2000-01-01T00:00:00Z");
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, [strToU8(text), { mtime }]])), {
    level: 6,
  });
}

/** Reads uploaded files (by name) back into a policy source, a test module and cases. */
export function fromPolicyFiles(files: Record<string, string>): PolicyFiles {
  const names = Object.keys(files);
  const rego = names.filter((n) => n.endsWith(".rego"));
  const tests = rego.filter((n) => n.endsWith("_test.rego"));
  const policies = rego.filter((n) => !n.endsWith("_test.rego"));
  const casesFiles = names.filter((n) => /^cases\.(json|ya?ml)$/.test(n));
  const unexpected = names.filter((n) => !n.endsWith(".rego") && !casesFiles.includes(n));
  const errors: FieldError[] = [
    ...(policies.length !== 1
      ? [{ path: "body.files", message: `need exactly one policy module (${POLICY_FILE}); got ${policies.length}` }]
      : []),
    ...(tests.length > 1
      ? [{ path: "body.files", message: `at most one _test.rego module; got ${tests.join(", ")}` }]
      : []),
    ...(casesFiles.length > 1
      ? [{ path: "body.files", message: `at most one cases file; got ${casesFiles.join(", ")}` }]
      : []),
    ...unexpected.map((n) => ({
      path: `body.files.${n}`,
      message: "unexpected file (expected policy.rego, policy_test.rego, cases.json or cases.yaml)",
    })),
  ];
  if (errors.length)
    throw new AppError("validation_failed", "The files are not a policy with its tests", { fieldErrors: errors });
  const casesName = casesFiles[0];
  return {
    source: files[policies[0]!]!,
    testSource: tests[0] ? files[tests[0]]! : "",
    cases: casesName ? parseCasesFile(casesName, files[casesName]!) : [],
  };
}

export function parseCasesFile(name: string, text: string): TTestCaseInput[] {
  let raw: unknown;
  try {
    raw = name.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new AppError("validation_failed", `${name} does not parse`, {
      cause,
      fieldErrors: [{ path: `body.files.${name}`, message: cause instanceof Error ? cause.message : "does not parse" }],
    });
  }
  const parsed = ZCasesFile.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors = parsed.error.issues.map((i) => ({
      path: [`body.files.${name}`, ...i.path.map(String)].join("."),
      message: i.message,
    }));
    throw new AppError("validation_failed", `${name} is not a valid cases file`, { fieldErrors });
  }
  return parsed.data.cases.map((c) => ({
    name: c.name,
    query: c.query ?? "",
    input: c.input === undefined ? "" : JSON.stringify(c.input, null, 2),
    data: c.data === undefined ? "" : JSON.stringify(c.data, null, 2),
    expected: c.undefined ? "undefined" : JSON.stringify(c.expected, null, 2),
  }));
}
