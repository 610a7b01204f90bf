import { describe, expect, it } from "vitest";
import { declaredPackage } from "@/lib/rego/rego-package";

describe("declaredPackage", () => {
  it.each([
    ["package payments.authz\n\nallow := true", "payments.authz"],
    ["# header comment\n\n  package a.b # trailing\n", "a.b"],
    ['package a["b"].c\n', "a.b.c"],
    ["allow := true\npackage a\n", null],
    ["", null],
  ])("reads %j as %j", (source, expected) => {
    expect(declaredPackage(source)).toBe(expected);
  });
});
