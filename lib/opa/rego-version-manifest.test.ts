import { describe, expect, it } from "vitest";
import { checkModules } from "@/lib/opa/check";
import { evalQuery } from "@/lib/opa/eval";
import { formatRego } from "@/lib/opa/fmt";
import { packageRoots, regoVersionManifest } from "@/lib/opa/rego-version-manifest";
import { runRegoTests } from "@/lib/opa/test";

// A v0 library and a v1 policy that imports it: no single flag reads both.
const legacy = {
  path: "lib/legacy/policy.rego",
  source: 'package lib.legacy\n\nadmins = {"alice"}\n\nis_admin[user] {\n  admins[user]\n}\n',
  regoVersion: "v0" as const,
};
const current = {
  path: "app/authz/policy.rego",
  source:
    "package app.authz\n\nimport data.lib.legacy\n\ndefault allow := false\n\nallow if legacy.is_admin[input.user]\n",
};
const legacyTest = {
  path: "lib/legacy/policy_test.rego",
  source:
    'package lib.legacy_test\n\ntest_alice_is_admin {\n  data.lib.legacy.is_admin["alice"]\n}\n\ntest_bob_is_not {\n  not data.lib.legacy.is_admin["bob"]\n}\n',
  regoVersion: "v0" as const,
};

describe("a .manifest with file_rego_versions", () => {
  it("names only the v0 files, by path from the bundle root with a leading slash", () => {
    expect(regoVersionManifest([current])).toBeNull();
    expect(regoVersionManifest([current, legacy, legacyTest])).toEqual({
      path: ".manifest",
      content: JSON.stringify({
        file_rego_versions: { "/lib/legacy/policy.rego": 0, "/lib/legacy/policy_test.rego": 0 },
      }),
    });
    expect(packageRoots(["a.b", "a", "c.d", "c.d.e", "c.x"])).toEqual(["a", "c/d", "c/x"]);
  });

  it("lets opa check compile a v0 module with v1 modules, and still reports errors of either by file", async () => {
    expect(await checkModules([legacy, current], { strict: true })).toEqual({ errors: [], warnings: [] });
    // Without the version, the v0 module is a v1 parse error.
    const asV1 = await checkModules([{ ...legacy, regoVersion: undefined }, current]);
    expect(asV1.errors[0]).toMatchObject({ code: "rego_parse_error", file: legacy.path });
    const broken = await checkModules([{ ...legacy, source: "package lib.legacy\n\nx { y }\n" }, current]);
    expect(broken.errors).toEqual([
      expect.objectContaining({ code: "rego_unsafe_var_error", file: legacy.path, row: 3 }),
    ]);
  });

  it("lets opa test run v0 tests against v0 and v1 modules in one process", async () => {
    const run = await runRegoTests({
      modules: [
        legacy,
        legacyTest,
        current,
        {
          path: "app/authz/policy_test.rego",
          source:
            'package app.authz_test\n\ntest_admin if data.app.authz.allow with input as {"user": "alice"}\n\ntest_other if not data.app.authz.allow with input as {"user": "bob"}\n',
        },
      ],
    });
    expect(run.ok && Object.fromEntries(run.results.map((r) => [`${r.package}.${r.name}`, r.outcome]))).toEqual({
      "data.lib.legacy_test.test_alice_is_admin": "pass",
      "data.lib.legacy_test.test_bob_is_not": "pass",
      "data.app.authz_test.test_admin": "pass",
      "data.app.authz_test.test_other": "pass",
    });
  });

  it("lets opa eval decide from a v0 module beside a v1 one", async () => {
    const result = await evalQuery({
      query: "data.app.authz.allow",
      modules: [legacy, current],
      input: { user: "alice" },
    });
    expect(result.ok && result.results[0]?.expressions[0]?.value).toBe(true);
  });

  it("formats a v0 module as v0 when asked", async () => {
    const result = await formatRego("package p\nallow {   input.x }\n", { regoVersion: "v0" });
    expect(result).toEqual({ ok: true, formatted: "package p\n\nallow {\n\tinput.x\n}\n", changed: true });
  });
});
