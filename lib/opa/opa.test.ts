import { readdirSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { checkModules } from "@/lib/opa/check";
import { formatRego } from "@/lib/opa/fmt";
import { evalQuery } from "@/lib/opa/eval";
import { runOpa, OpaOutputLimitError, OpaTimeoutError } from "@/lib/opa/run-opa";
import { runRegoTests } from "@/lib/opa/test";
import { OPA_VERSION, opaBinary, opaVersionOf } from "@/lib/opa/opa-binary";

const workspaces = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith("verdict-opa-")).length;

describe("the pinned opa binary", () => {
  it("is the pinned version", () => {
    expect(opaVersionOf(opaBinary())).toBe(OPA_VERSION);
  });
});

describe("checkModules", () => {
  it("reports a parse error with file, row and column", async () => {
    const { errors } = await checkModules([
      { path: "a/policy.rego", source: "package a\n\nallow if {\n  input.x ==\n}\n" },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "rego_parse_error", file: "a/policy.rego", row: 5, col: 1 });
  });

  it("reports unsafe variables as compile errors", async () => {
    const { errors } = await checkModules([{ path: "p.rego", source: "package p\n\nallow if { y }\n" }]);
    expect(errors[0]).toMatchObject({ code: "rego_unsafe_var_error", row: 3 });
  });

  it("returns strict-mode findings as warnings for a module that compiles", async () => {
    const result = await checkModules(
      [{ path: "p.rego", source: "package p\n\nimport data.unused\n\nallow if input.x == 1\n" }],
      { strict: true },
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.message).join("\n")).toMatch(/import data.unused is redundant|unused/);
  });

  it("accepts a clean module and leaves no temp dir behind", async () => {
    const before = workspaces();
    const result = await checkModules([{ path: "p.rego", source: "package p\n\nallow if input.x == 1\n" }], {
      strict: true,
    });
    expect(result).toEqual({ errors: [], warnings: [] });
    expect(workspaces()).toBe(before);
  });
});

describe("formatRego", () => {
  it("formats with opa fmt", async () => {
    const result = await formatRego("package p\nallow   if {   input.x == 1 }\n");
    expect(result).toEqual({ ok: true, formatted: "package p\n\nallow if input.x == 1\n", changed: true });
  });

  it("returns structured errors for a module that does not parse", async () => {
    const result = await formatRego("package p\nallow if {\n");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ code: "rego_parse_error", row: expect.any(Number) });
  });
});

describe("evalQuery", () => {
  const modules = [
    {
      path: "p.rego",
      source:
        'package p\n\ndefault allow := false\n\nallow if input.user == "alice"\n\nobj := {"allow": allow, "n": count(data.items)}\n',
    },
  ];

  it("evaluates with input and data", async () => {
    const result = await evalQuery({
      query: "data.p.obj",
      modules,
      input: { user: "alice" },
      data: { items: [1, 2, 3] },
    });
    expect(result.ok && result.results[0]?.expressions[0]?.value).toEqual({ allow: true, n: 3 });
  });

  it("returns no results for an undefined query", async () => {
    const result = await evalQuery({ query: "data.p.missing", modules });
    expect(result).toMatchObject({ ok: true, results: [] });
  });

  it("returns errors for a query that does not compile", async () => {
    const result = await evalQuery({ query: "data.p.allow[", modules });
    expect(result.ok).toBe(false);
  });
});

describe("runRegoTests", () => {
  it("reports pass and fail per test", async () => {
    const run = await runRegoTests({
      modules: [
        { path: "p.rego", source: "package p\n\nallow if input.x == 1\n" },
        {
          path: "p_test.rego",
          source:
            'package p_test\n\nimport data.p\n\ntest_allows if p.allow with input as {"x": 1}\n\ntest_wrong if p.allow with input as {"x": 2}\n',
        },
      ],
    });
    expect(run.ok).toBe(true);
    if (run.ok) {
      const byName = Object.fromEntries(run.results.map((r) => [r.name, r.outcome]));
      expect(byName).toEqual({ test_allows: "pass", test_wrong: "fail" });
    }
  });
});

describe("runOpa limits", () => {
  it("kills a run that passes its time limit", async () => {
    // `opa run -s` serves until it is stopped.
    await expect(runOpa(["run", "--addr", "127.0.0.1:0", "-s"], { timeoutMs: 300 })).rejects.toBeInstanceOf(
      OpaTimeoutError,
    );
  });

  it("stops a run whose output passes the cap", async () => {
    await expect(
      runOpa(["eval", "-f", "json", "numbers.range(1, 200000)"], { maxOutputBytes: 10_000 }),
    ).rejects.toBeInstanceOf(OpaOutputLimitError);
  });
});
