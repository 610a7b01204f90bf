import { describe, expect, it } from "vitest";
import { moduleReferences, referenceClosure, resolveReferences } from "@/lib/rego/policy-references";

const dependant = `package app.admission

import data.lib.k8s
import data.lib["exclude-update"] as ex

# data.commented.out(x) is not a reference
deny contains "update" if {
\tk8s.is_update(input)
\tnot ex.skip
\tdata.limits.max > 1
\tmsg := "data.in.a.string(x)"
}

deny contains "gone" if data.lib.removed.is_gone(input)
`;

describe("moduleReferences", () => {
  it("reads imports, uses of imported names and data refs, with lines, skipping comments and strings", () => {
    expect(moduleReferences(dependant)).toEqual([
      { path: ["lib", "k8s"], row: 3, imported: true, called: false },
      { path: ["lib", "exclude-update"], row: 4, imported: true, called: false },
      { path: ["lib", "k8s", "is_update"], row: 8, imported: false, called: true },
      { path: ["lib", "exclude-update", "skip"], row: 9, imported: false, called: false },
      { path: ["limits", "max"], row: 10, imported: false, called: false },
      { path: ["lib", "removed", "is_gone"], row: 14, imported: false, called: true },
    ]);
  });
});

describe("resolveReferences", () => {
  it("resolves to declared packages, leaves data alone and names a called package nobody declares", () => {
    const result = resolveReferences({
      source: dependant,
      file: "app/admission/policy.rego",
      packagePath: "app.admission",
      known: ["lib.k8s", 'lib["exclude-update"]', "app.admission", "other"],
    });
    expect(result.packages).toEqual(["lib.k8s", 'lib["exclude-update"]']);
    expect(result.missing).toEqual([
      {
        package: "lib.removed",
        reference: "data.lib.removed.is_gone",
        locations: [{ file: "app/admission/policy.rego", row: 14 }],
      },
    ]);
  });

  it("takes a ref above packages to mean all of them", () => {
    const result = resolveReferences({
      source: "package x\n\nimport data.lib\n\nallow if lib.k8s.ok\n",
      file: "x/policy.rego",
      packagePath: "x",
      known: ["lib.k8s", "lib.net", "libra"],
    });
    expect(result).toEqual({ packages: ["lib.k8s", "lib.net"], missing: [] });
  });
});

describe("referenceClosure", () => {
  it("follows references transitively and reports each module's missing packages", () => {
    const mod = (packagePath: string, source: string) => ({ packagePath, path: `${packagePath}.rego`, source });
    const candidates = [
      mod("a", "package a\n\nimport data.b\n\nx if b.y\n"),
      mod("b", "package b\n\ny if data.c.f(1)\n"),
      mod("unused", "package unused\n"),
    ];
    const result = referenceClosure(mod("root", "package root\n\nimport data.a\n\nok if a.x\n"), candidates);
    expect(result.modules.map((m) => m.packagePath)).toEqual(["a", "b"]);
    expect(result.direct).toEqual(["a"]);
    expect(result.missing).toEqual([{ package: "c", reference: "data.c.f", locations: [{ file: "b.rego", row: 3 }] }]);
  });
});
