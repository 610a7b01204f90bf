import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { findOpaCandidates, OPA_VERSION, opaBinary, resolveOpaBin } from "@/lib/opa/opa-binary";
import { checkModules } from "@/lib/opa/check";

const original = process.env.OPA_BIN;
afterEach(() => {
  if (original === undefined) delete process.env.OPA_BIN;
  else process.env.OPA_BIN = original;
});

describe("OPA_BIN", () => {
  it("resolves a relative path against the start-up directory and keeps absolute paths and command names", () => {
    expect(resolveOpaBin("./.tools/bin/opa", "/srv/verdict")).toBe("/srv/verdict/.tools/bin/opa");
    expect(resolveOpaBin("bin/opa", "/srv/verdict")).toBe("/srv/verdict/bin/opa");
    expect(resolveOpaBin("../opa/opa", "/srv/verdict")).toBe("/srv/opa/opa");
    expect(resolveOpaBin("/usr/local/bin/opa", "/srv/verdict")).toBe("/usr/local/bin/opa");
    expect(resolveOpaBin("opa", "/srv/verdict")).toBe("opa");
  });

  it("runs a relatively given opa from another working directory", async () => {
    const relative = path.relative(process.cwd(), inject("testEnv").opaBin);
    expect(path.isAbsolute(relative)).toBe(false);
    process.env.OPA_BIN = relative;
    const [candidate] = findOpaCandidates();
    expect(candidate).toBe(path.resolve(relative));
    expect(execFileSync(candidate!, ["version"], { cwd: os.tmpdir(), encoding: "utf8" })).toContain(
      `Version: ${OPA_VERSION}`,
    );
    // The first lookup in this process: what opa commands (run in temporary workspaces) will use.
    expect(opaBinary()).toBe(path.resolve(relative));
    const { errors } = await checkModules([{ path: "p.rego", source: "package p\n\nallow if input.x == 1\n" }]);
    expect(errors).toEqual([]);
  });
});
