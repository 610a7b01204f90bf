import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import nodePath from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { convertRegoV0ToV1 } from "@/lib/opa/convert-v0";
import { inspectBundle } from "@/lib/opa/inspect";
import { createPolicy } from "@/lib/policies/create-policy";
import { importNewPolicy, importPolicyFiles } from "@/lib/policies/import-export-policy";
import { formatRegoSource, lintRego } from "@/lib/policies/lint-rego";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { createTestBundle, TEST_OVERRIDE, uniqueRoot } from "@/test/factories/bundles";
import { policyInput } from "@/test/factories/sample-policies";
import { appError } from "@/test/support/app-error";
import { fastPolling, startOpaAgent, type OpaAgent } from "@/test/support/opa-agent";
import { rawOpaTest } from "@/test/support/raw-opa-test";

/** A v0 library of admins, as much published Rego still is. */
const legacySource = (pkg: string, admins: string[]) =>
  `package ${pkg}\n\n# Who may administer.\nadmins = ${JSON.stringify(admins)}\n\nis_admin[user] {\n  user := admins[_]\n}\n\ndefault allow = false\n\nallow {\n  is_admin[input.user]\n}\n`;
const legacyTests = (pkg: string) =>
  `package ${pkg}_test\n\ntest_alice_allowed {\n  data.${pkg}.allow with input as {"user": "alice"}\n}\n\ntest_bob_refused {\n  not data.${pkg}.allow with input as {"user": "bob"}\n}\n`;

let author: Actor, admin: Actor, reviewer: Actor;

beforeAll(async () => {
  [author, admin, reviewer] = await Promise.all([
    createTestUser(["author"]),
    createTestUser(["admin"]),
    createTestUser(["reviewer"]),
  ]);
});

describe("importing a Rego v0 policy", () => {
  it("refuses it until the importer chooses, and carries the conversion to show", async () => {
    const pkg = `${uniqueRoot()}.legacy`;
    const files = { "policy.rego": legacySource(pkg, ["alice"]), "policy_test.rego": legacyTests(pkg) };
    const refused = await appError(
      importNewPolicy({ actor: author, input: { files, name: "Legacy", owner: "t", description: "" } }),
    );
    expect(refused.status).toBe(422);
    expect(refused.message).toMatch(/policy\.rego is Rego v0: import it with regoV0 "convert".*or "keep"/);
    const offer = refused.extra as {
      regoVersion: { detected: string; converted: string };
      testRegoVersion: { detected: string };
    };
    expect(offer.regoVersion.detected).toBe("v0");
    expect(offer.regoVersion.converted).toContain("allow if {");
    expect(offer.testRegoVersion.detected).toBe("v0");
    expect(await db.policy.count({ where: { packagePath: pkg } })).toBe(0);

    const converted = await importNewPolicy({
      actor: author,
      input: { files, name: "Legacy", owner: "t", description: "", regoV0: "convert" },
    });
    expect(converted.head).toMatchObject({
      regoVersion: "v1",
      source: offer.regoVersion.converted,
      message: "Imported from files (converted from Rego v0)",
    });
    expect(converted.head.testSource).toContain("test_alice_allowed if {");
    const run = await runPolicyTests({
      actor: author,
      policyId: converted.id,
      input: { version: "head", timeoutMs: 5000 },
    });
    expect(run.summary).toMatchObject({ total: 2, passed: 2 });
  });

  it("refuses a conversion that cannot be done with what to change, and writes nothing", async () => {
    const pkg = `${uniqueRoot()}.legacy`;
    const files = { "policy.rego": `package ${pkg}\n\nallow {\n  any([input.a, input.b])\n}\n` };
    const error = await appError(
      importNewPolicy({ actor: author, input: { files, name: "L", owner: "t", description: "", regoV0: "convert" } }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toBe(
      "policy.rego cannot be converted to Rego v1. Line 4: any() does not exist in Rego v1; use `some x in xs` or `true in xs` instead.",
    );
    expect((error.extra as { regoVersion: { line: number } }).regoVersion.line).toBe(4);
    expect(await db.policy.count({ where: { packagePath: pkg } })).toBe(0);
    // Kept as v0 it imports: v0 still has any().
    const kept = await importNewPolicy({
      actor: author,
      input: { files, name: "L", owner: "t", description: "", regoV0: "keep" },
    });
    expect(kept.head.regoVersion).toBe("v0");
  });

  it("converts files imported into an existing policy as its next version", async () => {
    const input = policyInput();
    const policy = await createPolicy({ actor: author, input });
    const saved = await importPolicyFiles({
      actor: author,
      policyId: policy.id,
      input: {
        files: { "policy.rego": legacySource(input.packagePath, ["carol"]) },
        expectedVersion: 1,
        message: "Imported from files",
        regoV0: "convert",
      },
    });
    expect(saved.version).toMatchObject({
      number: 2,
      regoVersion: "v1",
      message: "Imported from files (converted from Rego v0)",
    });
    expect(saved.version.source).toContain("import rego.v1");
  });
});

describe("a policy kept as Rego v0", () => {
  it("saves, lints, formats and tests as v0, beside v1 policies, and converts later as a new version", async () => {
    const pkg = `${uniqueRoot()}.legacy`;
    const policy = await createPolicy({
      actor: author,
      input: {
        ...policyInput({ packagePath: pkg, source: legacySource(pkg, ["alice"]) }),
        regoVersion: "v0",
        testSource: legacyTests(pkg),
        testCases: [{ name: "alice", query: "", input: '{"user": "alice"}', data: "", expected: "true" }],
      },
    });
    expect(policy.head.regoVersion).toBe("v0");
    // A v1 policy that reads the v0 one, so the test context mixes versions.
    await createPolicy({
      actor: author,
      input: policyInput({
        packagePath: `${pkg}_user`,
        source: `package ${pkg}_user\n\nallow if data.${pkg}.allow\n`,
      }),
    });

    const next = legacySource(pkg, ["alice", "dave"]);
    const saved = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: next, message: "", expectedVersion: 1 },
    });
    expect(saved.version).toMatchObject({ number: 2, regoVersion: "v0" });
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: { version: "head", timeoutMs: 5000 },
    });
    expect(run.status).toBe("passed");
    expect(run.summary).toMatchObject({ total: 3, passed: 3 });
    expect(run.regoTests.map((t) => [t.name, t.status]).sort()).toEqual([
      ["test_alice_allowed", "passed"],
      ["test_bob_refused", "passed"],
    ]);

    // Lint reads it as the policy's version; read as v1 it is recognised as v0.
    expect((await lintRego({ actor: author, source: next, regoVersion: "v0" })).errors).toEqual([]);
    const asV1 = await lintRego({ actor: author, source: next });
    expect(asV1.detectedRegoVersion).toBe("v0");
    expect(asV1.errors[0]?.code).toBe("rego_parse_error");
    expect((await formatRegoSource({ actor: author, source: next, regoVersion: "v0" })).formatted).toContain("allow {");

    // Saving v0 text as v1 says what it is and offers the conversion.
    const refused = await appError(
      savePolicyVersion({
        actor: author,
        policyId: policy.id,
        input: { source: next, message: "", expectedVersion: 2, regoVersion: "v1" },
      }),
    );
    expect(refused.message).toMatch(/^The module is written in Rego v0: convert it to v1, or keep it as v0/);
    const converted = (refused.extra as { regoVersion: { converted: string } }).regoVersion.converted;
    const v3 = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: converted, message: "Converted to Rego v1", expectedVersion: 2, regoVersion: "v1" },
    });
    expect(v3.version).toMatchObject({ number: 3, regoVersion: "v1" });
    const audit = await db.auditEvent.findFirst({
      where: { targetId: policy.id, action: "policy.version.create" },
      orderBy: { seq: "desc" },
    });
    expect(audit?.before).toMatchObject({ regoVersion: "v0" });
    expect(audit?.after).toMatchObject({ regoVersion: "v1" });
  });
});

describe("a bundle mixing a v0 and a v1 policy", () => {
  let server: http.Server;
  let agent: OpaAgent | null = null;

  afterAll(async () => {
    await agent?.stop();
    server?.closeAllConnections();
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  it("declares the v0 file in the manifest, and a real opa agent activates it and decides", async () => {
    const root = uniqueRoot();
    const legacy = await createPolicy({
      actor: author,
      input: {
        ...policyInput({ packagePath: `${root}.lib.admins`, source: legacySource(`${root}.lib.admins`, ["alice"]) }),
        regoVersion: "v0",
      },
    });
    const authz = await createPolicy({
      actor: author,
      input: policyInput({
        packagePath: `${root}.authz`,
        source: `package ${root}.authz\n\nimport data.${root}.lib.admins\n\ndefault allow := false\n\nallow if admins.allow\n\nallow if input.user == "erin"\n`,
      }),
    });
    const bundle = await createTestBundle(admin, { roots: [root], policyIds: [legacy.id, authz.id] });
    const cr = await createChangeRequest({
      actor: author,
      input: {
        title: "Ship both",
        description: "",
        items: [
          { kind: "policy_version", policyVersionId: legacy.head.id },
          { kind: "policy_version", policyVersionId: authz.head.id },
        ],
      },
    });
    await reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    await publishChangeRequest({ actor: admin, number: cr.number, input: { overrideReason: TEST_OVERRIDE } });

    const revision = await db.bundleRevision.findFirstOrThrow({
      where: { bundleId: bundle.id },
      orderBy: { number: "desc" },
    });
    expect(revision.manifest).toMatchObject({
      rego_version: 1,
      file_rego_versions: { [`${root}/lib/admins/policy.rego`]: 0 },
    });
    expect((await inspectBundle(Buffer.from(revision.bytes))).manifest?.roots).toEqual([root]);

    server = http.createServer((req, res) => {
      if (!serveAgentPlane(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const credential = await createTestAgentCredential(admin, { bundles: [bundle.name] });
    agent = await startOpaAgent({
      name: "rego-v0",
      config: credential.opaConfig,
      tweak: (config) => {
        fastPolling()(config);
        for (const service of Object.values(config.services) as Array<{ url: string }>)
          service.url = service.url.replace(/^https?:\/\/[^/]+/, base);
      },
    });
    await eventually(async () => expect(await agent!.activeRevision(bundle.name)).toBe(revision.revision), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(await agent.bundleStatus(bundle.name)).not.toHaveProperty("code");
    const path = `${root}/authz/allow`;
    expect(await agent.decide(path, { user: "alice" })).toBe(true);
    expect(await agent.decide(path, { user: "erin" })).toBe(true);
    expect(await agent.decide(path, { user: "mallory" })).toBe(false);
    expect(await agent.decide(`${root}/lib/admins/is_admin`, {})).toEqual(["alice"]);
  });
});

describe("agreement with opa test for v0 files", () => {
  const fixture = nodePath.join(process.cwd(), "test", "fixtures", "policies-v0", "k8s-labels");
  const read = (name: string) => readFileSync(nodePath.join(fixture, name), "utf8");

  /** `opa test` (with `--v0-compatible` for v0 files) on a folder holding these files. */
  function opaTestOn(files: Record<string, string>, v0: boolean): Record<string, string> {
    const dir = mkdtempSync(nodePath.join(os.tmpdir(), "verdict-v0-agreement-"));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(nodePath.join(dir, name), text);
      return rawOpaTest(dir, v0 ? ["--v0-compatible"] : []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("gives opa test's outcome for every test kept as v0, and again after both files are converted", async () => {
    const files = { "policy.rego": read("policy.rego"), "policy_test.rego": read("policy_test.rego") };
    const rawV0 = opaTestOn(files, true);
    expect(new Set(Object.values(rawV0))).toEqual(new Set(["passed", "failed", "error", "skipped"]));

    const policy = await importNewPolicy({
      actor: author,
      input: { files, name: "k8s labels", owner: "fixtures", description: "", regoV0: "keep" },
    });
    const kept = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5000 } });
    expect(Object.fromEntries(kept.regoTests.map((t) => [`${t.package}.${t.name}`, t.status]))).toEqual(rawV0);

    const source = await convertRegoV0ToV1(files["policy.rego"]);
    const testSource = await convertRegoV0ToV1(files["policy_test.rego"]);
    if (!("source" in source) || !("source" in testSource)) throw new Error("the fixture should convert");
    const rawV1 = opaTestOn({ "policy.rego": source.source, "policy_test.rego": testSource.source }, false);
    // Conversion keeps the meaning: the same outcome for every test.
    expect(rawV1).toEqual(rawV0);
    await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: {
        source: source.source,
        testSource: testSource.source,
        message: "",
        expectedVersion: 1,
        regoVersion: "v1",
      },
    });
    const converted = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: { version: 2, timeoutMs: 5000 },
    });
    expect(Object.fromEntries(converted.regoTests.map((t) => [`${t.package}.${t.name}`, t.status]))).toEqual(rawV1);
  });

  it("puts a compile error of a v0 draft on the policy, read as v0", async () => {
    const pkg = `${uniqueRoot()}.legacy`;
    const policy = await createPolicy({
      actor: author,
      input: { ...policyInput({ packagePath: pkg, source: legacySource(pkg, ["alice"]) }), regoVersion: "v0" },
    });
    const run = await runPolicyTests({
      actor: author,
      policyId: policy.id,
      input: {
        inline: { source: `package ${pkg}\n\nallow {\n  unknown_thing\n}\n`, testSource: legacyTests(pkg), cases: [] },
        timeoutMs: 5000,
      },
    });
    expect(run.status).toBe("error");
    expect(run.errors).toEqual([expect.objectContaining({ code: "rego_unsafe_var_error", where: "policy", row: 4 })]);
  });
});
