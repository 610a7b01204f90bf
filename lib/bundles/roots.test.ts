import { describe, expect, it } from "vitest";
import { isUnderRoots, overlappingRoots, packageDataPath, ROOT_PATTERN, rootsOverlap } from "@/lib/bundles/roots";

describe("bundle roots", () => {
  it.each([
    ["authz", "authz", true],
    ["authz", "authz/admin", true],
    ["authz/admin", "authz", true],
    ["authz", "authzx", false],
    ["authz/a", "authz/b", false],
    ["payments", "httpapi/rbac", false],
  ])("%s and %s overlap: %s", (a, b, expected) => {
    expect(rootsOverlap(a, b)).toBe(expected);
  });

  it("finds overlaps within one set and between two sets", () => {
    expect(overlappingRoots(["a", "b", "a/c"])).toEqual([["a", "a/c"]]);
    expect(overlappingRoots(["x/y"], ["x", "z"])).toEqual([["x/y", "x"]]);
    expect(overlappingRoots(["q"], ["x", "z"])).toEqual([]);
  });

  it("places packages under roots by data path, not by string prefix", () => {
    expect(packageDataPath("payments.authz")).toBe("payments/authz");
    expect(packageDataPath('K8s["b-c"].d')).toBe("K8s/b-c/d");
    expect(isUnderRoots("payments/authz", ["payments"])).toBe(true);
    expect(isUnderRoots("payments_v2/authz", ["payments"])).toBe(false);
    expect(isUnderRoots("httpapi/rbac", ["httpapi/rbac"])).toBe(true);
  });

  it("accepts only slash paths of Rego identifiers", () => {
    expect(ROOT_PATTERN.test("httpapi/rbac")).toBe(true);
    expect(ROOT_PATTERN.test("K8s/b-c")).toBe(true);
    for (const bad of ["", "/a", "a/", "a//b", "a.b", "../x", "a b"]) expect(ROOT_PATTERN.test(bad)).toBe(false);
  });
});
