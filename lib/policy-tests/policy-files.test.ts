import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/core/errors";
import { fromPolicyFiles, parseCasesFile, toPolicyFiles } from "@/lib/policy-tests/policy-files";

const id = "00000000-0000-4000-8000-000000000001";

describe("policy files", () => {
  it("round-trips a version through policy.rego, policy_test.rego and cases.json", () => {
    const cases = [
      { id, name: "allowed", query: "", input: '{"user": "alice"}', data: '{"limits": {"max": 1}}', expected: "true" },
      { id, name: "nothing", query: "data.p.nope", input: "", data: "", expected: "undefined" },
    ];
    const files = toPolicyFiles("package p\n", "package p_test\n", cases);
    expect(JSON.parse(files["cases.json"]!)).toEqual({
      cases: [
        { name: "allowed", input: { user: "alice" }, data: { limits: { max: 1 } }, expected: true },
        { name: "nothing", query: "data.p.nope", undefined: true },
      ],
    });
    const back = fromPolicyFiles(files);
    expect(back.source).toBe("package p\n");
    expect(back.testSource).toBe("package p_test\n");
    expect(back.cases.map((c) => [c.name, c.query, JSON.parse(c.input || "null"), c.expected])).toEqual([
      ["allowed", "", { user: "alice" }, "true"],
      ["nothing", "data.p.nope", null, "undefined"],
    ]);
  });

  it("refuses to export a case whose text is not JSON", () => {
    expect(() =>
      toPolicyFiles("package p\n", "", [{ id, name: "half", query: "", input: "{", data: "", expected: "true" }]),
    ).toThrow(AppError);
  });

  it("reads YAML cases and names the row of a bad one", () => {
    expect(
      parseCasesFile("cases.yaml", "cases:\n  - name: a\n    input: {x: 1}\n    expected: {allow: true}\n"),
    ).toEqual([{ name: "a", query: "", input: '{\n  "x": 1\n}', data: "", expected: '{\n  "allow": true\n}' }]);
    try {
      parseCasesFile("cases.yaml", "cases:\n  - name: a\n    expected: true\n  - name: b\n");
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).fieldErrors?.[0]?.path).toBe("body.files.cases.yaml.cases.1");
    }
  });
});
