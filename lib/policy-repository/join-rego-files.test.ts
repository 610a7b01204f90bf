import { describe, expect, it } from "vitest";
import { joinRegoFiles, JoinRefusal, originOf } from "@/lib/policy-repository/join-rego-files";

describe("joining the files of one package", () => {
  it("keeps a package of one file exactly as it is", () => {
    const text = "# lead\npackage a.b\n\nimport data.x\n\nallow := true";
    expect(joinRegoFiles([{ path: "a/b/p.rego", text }]).source).toBe(text);
  });

  it("joins in file-name order with one package line and every import once, sorted", () => {
    const z = { path: "d/z.rego", text: "package a.b\n\nimport data.lib.y\nimport rego.v1\n\nz := 1\n" };
    const a = {
      path: "d/a.rego",
      text: "# about a.b\npackage a.b\n\nimport data.lib.x as x\nimport data.lib.y\n\n# rule a\na := 1\n",
    };
    const joined = joinRegoFiles([z, a]);
    expect(joined.source).toBe(
      [
        "# about a.b",
        "package a.b",
        "",
        "import data.lib.x",
        "import data.lib.y",
        "import rego.v1",
        "",
        "# from a.rego",
        "# rule a",
        "a := 1",
        "",
        "# from z.rego",
        "z := 1",
        "",
      ].join("\n"),
    );
    expect(joinRegoFiles([a, z])).toEqual(joined);
  });

  it("maps a row of the joined module back to its file and row", () => {
    const joined = joinRegoFiles([
      { path: "p/one.rego", text: "package p\n\nimport data.q\n\nx := q.y\n" },
      { path: "p/two.rego", text: "package p\n\n\ny := 2\nz := w\n" },
    ]);
    const lines = joined.source.split("\n");
    const row = lines.indexOf("z := w") + 1;
    expect(originOf(joined.origins, row)).toEqual({ file: "p/two.rego", row: 5 });
    expect(originOf(joined.origins, lines.indexOf("x := q.y") + 1)).toEqual({ file: "p/one.rego", row: 5 });
  });

  it("refuses one import name bound to two paths, naming both files", () => {
    expect(() =>
      joinRegoFiles([
        { path: "p/a.rego", text: "package p\nimport data.one as lib\n" },
        { path: "p/b.rego", text: "package p\nimport data.two.lib\n" },
      ]),
    ).toThrow(
      new JoinRefusal(
        "p/a.rego imports data.one as lib but p/b.rego imports data.two.lib as lib; one module cannot hold both",
      ),
    );
  });

  it("refuses a file that does not start with a package line", () => {
    expect(() =>
      joinRegoFiles([
        { path: "a.rego", text: "allow := 1\n" },
        { path: "b.rego", text: "package p\n" },
      ]),
    ).toThrow(/a\.rego does not start with a package line/);
  });
});
