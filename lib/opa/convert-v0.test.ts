import { describe, expect, it } from "vitest";
import { checkModules } from "@/lib/opa/check";
import { convertRegoV0ToV1, detectRegoVersion } from "@/lib/opa/convert-v0";

const V0 = `package k8s.admission

# Denies pods without an owner label.
default allow = false

allow {
  input.request.kind.kind == "Pod"
  not missing_owner
}

missing_owner {
  not input.request.object.metadata.labels.owner
}

deny[msg] {
  missing_owner
  msg := "pods need an owner label"
}
`;

describe("detectRegoVersion (pinned opa)", () => {
  it("tells v0 from v1, and says null for text that parses as neither", async () => {
    expect(await detectRegoVersion(V0)).toBe("v0");
    expect(await detectRegoVersion("package p\n\nallow if input.x == 1\n")).toBe("v1");
    // Keyword-free modules and v0 modules importing rego.v1 read the same in both: v1.
    expect(await detectRegoVersion("package p\n\nx := 1\n")).toBe("v1");
    expect(await detectRegoVersion("package p\n\nimport rego.v1\n\nallow if { true }\n")).toBe("v1");
    expect(await detectRegoVersion("package p\n\nallow {\n  input.x ==\n}\n")).toBeNull();
  });

  it("decides by parsing only: a v0 module with a compile error is still v0", async () => {
    expect(await detectRegoVersion("package p\n\nallow { y }\n")).toBe("v0");
    expect(await detectRegoVersion("package p\n\nallow if { y }\n")).toBe("v1");
  });
});

describe("convertRegoV0ToV1 (pinned opa fmt --v0-v1)", () => {
  it("converts a v0 module into one that compiles as v1, keeping its comments", async () => {
    const result = await convertRegoV0ToV1(V0);
    expect("source" in result).toBe(true);
    if (!("source" in result)) return;
    expect(result.source).toContain("import rego.v1");
    expect(result.source).toContain("default allow := false");
    expect(result.source).toContain("deny contains msg if {");
    expect(result.source).toContain("# Denies pods without an owner label.");
    expect(await detectRegoVersion(result.source)).toBe("v1");
    expect((await checkModules([{ path: "k8s/admission/policy.rego", source: result.source }])).errors).toEqual([]);
  });

  it("names the line and the replacement for a built-in v1 removed", async () => {
    const result = await convertRegoV0ToV1(
      'package p\n\nallow {\n  any([input.a, input.b])\n}\n\nm { re_match("a+", input.s) }\n',
    );
    expect(result).toEqual({
      error:
        "2 places need a change first: Line 4: any() does not exist in Rego v1; use `some x in xs` or `true in xs` instead. " +
        "Line 7: re_match() does not exist in Rego v1; use regex.match() with the same arguments instead.",
      line: 4,
    });
  });

  it("says which rule to rename when a name became a keyword or would shadow input", async () => {
    expect(await convertRegoV0ToV1("package p\n\ncontains = 1\n")).toEqual({
      error: "Line 3: contains is a keyword in Rego v1 and cannot be used for rule name; rename it.",
      line: 3,
    });
    expect(await convertRegoV0ToV1("package p\n\ninput = 1\n\nallow { true }\n")).toMatchObject({
      error: expect.stringMatching(/^Line 3: a rule may not be named input in Rego v1 .*rename the rule\.$/),
      line: 3,
    });
  });

  it("reports a v1 keyword used as a variable on the original line, which opa fmt leaves in place", async () => {
    const result = await convertRegoV0ToV1("package p\n\nallow {\n  if := 1\n  if == 1\n}\n");
    expect(result).toMatchObject({ error: expect.stringMatching(/^Line 4: if is a keyword in Rego v1/), line: 4 });
  });

  it("refuses v1 and unparsable text with a sentence instead of opa's output", async () => {
    expect(await convertRegoV0ToV1("package p\n\nallow if true\n")).toEqual({
      error: "The module is already Rego v1: there is nothing to convert.",
    });
    const broken = await convertRegoV0ToV1("package p\n\nallow {\n  input.x ==\n}\n");
    expect(broken).toMatchObject({ error: expect.stringMatching(/^Line 5: it does not parse as Rego v0 \(/), line: 5 });
  });
});
