import { checkIn } from "@/lib/opa/check";
import { runOpa, withWorkspace } from "@/lib/opa/run-opa";
import type { RegoError } from "@/lib/opa/types";
import type { RegoVersion } from "@/lib/rego/rego-version";

const TIMEOUT_MS = 15_000;
const FILE = "policy.rego";

/**
 * The Rego version a module is written in: "v1" when it parses as v1 (also true of v0 modules
 * that `import rego.v1`, which read the same in both), else "v0" when it parses as v0, else null.
 * Only parsing decides: a module with a compile error (an unsafe variable, a missing function)
 * still has a version. `notV1`: the caller has seen v1 fail to parse it (one opa run fewer).
 */
export async function detectRegoVersion(
  source: string,
  options: { notV1?: boolean } = {},
): Promise<RegoVersion | null> {
  return withWorkspace([{ path: FILE, content: source }], async (dir) => {
    if (!options.notV1 && (await parsesIn(dir, "v1"))) return "v1";
    if (await parsesIn(dir, "v0")) return "v0";
    return null;
  });
}

export type ConversionResult = { source: string } | { error: string; line?: number };

/**
 * A v0 module rewritten by the pinned `opa fmt --v0-v1`: `if` and `contains` added, `=` of rule
 * values made `:=`, `import rego.v1` added, so that it reads the same as v0 and as v1 (text that
 * already reads the same in both comes back with `import rego.v1`). Where opa cannot convert, the
 * error is a sentence saying what to change, with the line.
 */
export async function convertRegoV0ToV1(source: string): Promise<ConversionResult> {
  const result = await runOpa(["fmt", "--v0-v1"], { stdin: source, timeoutMs: TIMEOUT_MS });
  if (result.exitCode !== 0) {
    // Only a failure needs to know why: v1 text, text that is no Rego, or v0 that v1 cannot express.
    const version = await detectRegoVersion(source);
    if (version === "v1") return { error: "The module is already Rego v1: there is nothing to convert." };
    if (version === null) {
      const [first] = await parseErrors(source, "v0");
      return failure(
        first ? [{ ...first, message: `it does not parse as Rego v0 (${first.message}); fix the syntax first` }] : [],
        "The module parses neither as Rego v0 nor as Rego v1; fix the syntax first.",
      );
    }
    return failure(fmtErrors(result.stderr), result.stderr.trim());
  }
  // opa fmt keeps v0 variable names that are v1 keywords (`if := 1`), so the result is
  // read back as v1 and such lines are reported against the original text.
  const leftover = await parseErrors(result.stdout, "v1");
  if (leftover.length > 0) {
    const converted = result.stdout.split("\n");
    const original = source.split("\n").map((l) => l.trim());
    return failure(
      leftover.map((e) => {
        const text = converted[(e.row ?? 0) - 1]?.trim() ?? "";
        const at = text ? original.indexOf(text) : -1;
        return { ...e, row: at >= 0 ? at + 1 : undefined, text };
      }),
      "The converted module does not parse as Rego v1.",
    );
  }
  return { source: result.stdout };
}

type LocatedError = Pick<RegoError, "code" | "message" | "row"> & { text?: string };

async function parsesIn(dir: string, version: RegoVersion): Promise<boolean> {
  return (await parseErrorsIn(dir, version)).length === 0;
}

async function parseErrors(source: string, version: RegoVersion): Promise<RegoError[]> {
  return withWorkspace([{ path: FILE, content: source }], (dir) => parseErrorsIn(dir, version));
}

// `opa check` rather than `opa parse`: its output is the errors, never the whole syntax tree.
// Its arguments end with the paths, so the flag goes in front of the one file.
async function parseErrorsIn(dir: string, version: RegoVersion): Promise<RegoError[]> {
  const errors = await checkIn(dir, version === "v0" ? ["--v0-compatible", FILE] : [FILE], false, TIMEOUT_MS);
  return errors.filter((e) => e.code === "rego_parse_error" || e.code === "opa_error");
}

// `opa fmt` reports as text: "stdin:12: rego_type_error: deprecated built-in function calls in expression: any".
function fmtErrors(stderr: string): LocatedError[] {
  return [...stderr.matchAll(/^(?:\d+ errors? occurred: )?stdin:(\d+): (\w+): (.+)$/gm)].map((m) => ({
    row: Number(m[1]),
    code: m[2]!,
    message: m[3]!.trim(),
  }));
}

function failure(errors: LocatedError[], fallback: string): ConversionResult {
  if (errors.length === 0) return { error: fallback || "opa fmt --v0-v1 could not convert the module." };
  const sentences = [...new Set(errors.map(explain))];
  return {
    error: errors.length === 1 ? sentences[0]! : `${errors.length} places need a change first: ${sentences.join(" ")}`,
    ...(errors[0]!.row ? { line: errors[0]!.row } : {}),
  };
}

/** What opa's message means for the author, as one sentence naming the line. */
export function explain(error: LocatedError): string {
  const at = error.row ? `Line ${error.row}` : error.text ? `The line "${error.text}"` : "The module";
  const m = error.message;
  let match: RegExpExecArray | null;
  if ((match = /deprecated built-in function calls in expression: ([\w.]+)/.exec(m)))
    return `${at}: ${match[1]}() does not exist in Rego v1; ${DEPRECATED[match[1]!] ?? "replace it with its successor from OPA's built-in function reference"}.`;
  if ((match = /rules must not shadow (\w+)/.exec(m)))
    return `${at}: a rule may not be named ${match[1]} in Rego v1 (it would hide the ${match[1]} document); rename the rule.`;
  if ((match = /variables must not shadow (\w+)/.exec(m)))
    return `${at}: a variable may not be named ${match[1]} in Rego v1; rename the variable.`;
  if ((match = /(\w+) keyword cannot be used for (.+)$/.exec(m)))
    return `${at}: ${match[1]} is a keyword in Rego v1 and cannot be used for ${match[2]}; rename it.`;
  if ((match = /unexpected (\w+) keyword/.exec(m)))
    return `${at}: ${match[1]} is a keyword in Rego v1 and cannot be used as a name; rename it.`;
  if ((match = /import must not shadow (.+)$/.exec(m)))
    return `${at}: ${match[1]} is imported twice; remove one import.`;
  return `${at}: ${m.replace(/\.$/, "")}.`;
}

// The v1 replacements OPA's upgrade guide gives for the built-ins v1 removed.
const DEPRECATED: Record<string, string> = {
  any: "use `some x in xs` or `true in xs` instead",
  all: "use `every x in xs { x }` or `not false in xs` instead",
  re_match: "use regex.match() with the same arguments instead",
  set_diff: "use the set difference a - b instead",
  "net.cidr_overlap": "use net.cidr_contains() with the same arguments instead",
  cast_array: "use an array comprehension such as [x | some x in s] instead",
  cast_set: "use a set comprehension such as {x | some x in a} instead",
  cast_string: "test the type with is_string() instead",
  cast_boolean: "test the type with is_boolean() instead",
  cast_null: "test the type with is_null() instead",
  cast_object: "test the type with is_object() instead",
};
