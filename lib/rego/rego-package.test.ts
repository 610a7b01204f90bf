import { describe, expect, it } from "vitest";
import { canonicalPackage, declaredPackage, parsePackageRef } from "@/lib/rego/rego-package";
import { policyFilePath } from "@/lib/rego/policy-module";

describe("declaredPackage", () => {
  it.each([
    ["package payments.authz\n\nallow := true", "payments.authz"],
    ["# header comment\n\n  package a.b # trailing\n", "a.b"],
    ['package a["b"].c\n', "a.b.c"],
    ["allow := true\npackage a\n", null],
    ["", null],
    ["package K8sBlockWildcardIngress\n", "K8sBlockWildcardIngress"],
    ['package a["b-c"].d\n', 'a["b-c"].d'],
    ["package a[`b c`]\n", 'a["b c"]'],
    ["package\n  data.lib.k8s\n", "lib.k8s"],
    ["package a.b;\n", null],
    ["package a[1]\n", null],
    ["package _\n", null],
  ])("reads %j as %j", (source, expected) => {
    expect(declaredPackage(source)).toBe(expected);
  });
});

describe("policyFilePath", () => {
  it.each([
    ["payments.authz", "payments/authz/policy.rego"],
    ["K8sBlock", "K8sBlock/policy.rego"],
    ['a["b-c"].d', "a/b-c/d/policy.rego"],
    ['a["../x"]', "a/%2E%2E%2Fx/policy.rego"],
    ['a[""]', "a/%/policy.rego"],
    ['a["é"]', "a/%C3%A9/policy.rego"],
  ])("puts %s at %s", (pkg, path) => {
    expect(policyFilePath(pkg)).toBe(path);
  });
});

describe("package names as typed", () => {
  it.each([
    ["a.b.c", "a.b.c"],
    ['a["b"].c', "a.b.c"],
    ["data.K8s.x", "K8s.x"],
    ["a[`b-c`]", 'a["b-c"]'],
    ['a["x\\"y"]', 'a["x\\"y"]'],
  ])("spells %s canonically as %s", (typed, canonical) => {
    const parsed = parsePackageRef(typed);
    expect(parsed.ok && canonicalPackage(parsed.segments)).toBe(canonical);
  });

  it.each(["", "a.", "a b", "9a", "a[1]", "_", "data"])("refuses %j", (typed) => {
    expect(parsePackageRef(typed).ok).toBe(false);
  });
});
