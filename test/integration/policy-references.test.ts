import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { importNewPolicy } from "@/lib/policies/import-export-policy";
import { getPolicyReferences } from "@/lib/policies/get-policy-references";
import { lintRego } from "@/lib/policies/lint-rego";
import { policyFilePath } from "@/lib/rego/policy-module";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { runDependantTests } from "@/lib/change-requests/change-request-dependants";
import { testGateFor } from "@/lib/change-requests/test-gate";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { getChangeRequestOrThrow } from "@/lib/reviews/change-request-views";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { listedPublicKeys } from "@/lib/bundles/signing-keys";
import { buildAgentConfig } from "@/lib/agents/opa-config";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { analyzeImpact } from "@/lib/decisions/analyze-impact";
import { createTestUser } from "@/test/factories/actors";
import { appError } from "@/test/factories/app-error";
import { decisionEvent } from "@/test/factories/decisions";
import { eventually } from "@/test/factories/agents";
import { createTestBundle, TEST_OVERRIDE, uniqueRoot } from "@/test/factories/bundles";
import { policyInput } from "@/test/factories/sample-policies";
import { fastPolling, startOpaAgent, type OpaAgent } from "@/test/support/opa-agent";
import { startStaticBundleServer, type StaticBundleServer } from "@/test/support/static-bundle-server";

let actors: { admin: Actor; author: Actor; reviewer: Actor };
const root = uniqueRoot();
const libPkg = `${root}.lib.k8s`;
// A package name with capitals, as OPA allows and public template libraries use.
const depPkg = `${root}.K8sBlockWildcardIngress`;
const cleanup: Array<() => Promise<void>> = [];

const libSource = (operations: string[]) =>
  `package ${libPkg}\n\nis_update(review) if review.operation in ${JSON.stringify(operations)}\n`;
const libTests = (operation: string) =>
  `package ${libPkg}_test\n\nimport data.${libPkg}\n\ntest_update if k8s.is_update({"operation": "${operation}"})\n`;
const depSource = `package ${depPkg}

import data.${libPkg}

default allow := false

allow if not k8s.is_update(input)
`;
const depTests = `package ${depPkg}_test

import data.${depPkg}

test_update_denied if not K8sBlockWildcardIngress.allow with input as {"operation": "UPDATE"}

test_create_allowed if K8sBlockWildcardIngress.allow with input as {"operation": "CREATE"}
`;

let lib: Awaited<ReturnType<typeof createPolicy>>;
let dep: Awaited<ReturnType<typeof createPolicy>>;
let bundle: Awaited<ReturnType<typeof createTestBundle>>;
let firstRevision: string;

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
});

afterAll(async () => {
  for (const stop of cleanup.reverse()) await stop();
});

async function testVersion(policyId: string, version: number) {
  return runPolicyTests({ actor: actors.author, policyId, input: { version, timeoutMs: 5_000 } });
}

async function approvedChange(title: string, versionIds: string[]) {
  const cr = await createChangeRequest({
    actor: actors.author,
    input: {
      title,
      description: "",
      items: versionIds.map((id) => ({ kind: "policy_version" as const, policyVersionId: id })),
    },
  });
  await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
  return cr;
}

async function saveLibrary(operations: string[], tested: string, expectedVersion: number) {
  const saved = await savePolicyVersion({
    actor: actors.author,
    policyId: lib.id,
    input: { source: libSource(operations), testSource: libTests(tested), message: "", expectedVersion },
  });
  expect((await testVersion(lib.id, saved.version.number)).status).toBe("passed");
  return saved.version;
}

describe("references between policies", () => {
  it("refuses a call into a package no policy declares, naming it and where it is used, and leaves data alone", async () => {
    const packagePath = `${root}.nolib`;
    const source = `package ${packagePath}\n\nimport data.${root}.lib.exclude_update\n\ndeny if exclude_update.is_update(input)\n`;
    const error = await appError(createPolicy({ actor: actors.author, input: policyInput({ packagePath, source }) }));
    expect(error.status).toBe(422);
    expect(error.message).toContain(`no policy declares package ${root}.lib.exclude_update`);
    expect(error.message).toContain(`${root}/nolib/policy.rego:5`);
    expect(await db.policy.count({ where: { packagePath } })).toBe(0);

    // Data documents are not packages: reading them is no reference and no error.
    const reader = await createPolicy({
      actor: actors.author,
      input: policyInput({
        packagePath: `${root}.reader`,
        source: `package ${root}.reader\n\nallow if data.verdict.allowlists.services[input.service]\n\nlimit := data.limits.max_refund\n`,
      }),
    });
    expect(await getPolicyReferences({ actor: actors.author, policyId: reader.id })).toEqual({
      dependencies: [],
      dependants: [],
      missing: [],
    });
  });

  it("saves a library and a dependant that imports it, and runs the dependant's tests with the library", async () => {
    // Compiled alone, the dependant fails: the library's function is undefined.
    const early = await appError(
      createPolicy({ actor: actors.author, input: policyInput({ packagePath: depPkg, source: depSource }) }),
    );
    expect(early.message).toContain(`no policy declares package ${libPkg}`);

    lib = await createPolicy({
      actor: actors.author,
      input: { ...policyInput({ packagePath: libPkg, source: libSource(["UPDATE"]) }), testSource: libTests("UPDATE") },
    });
    dep = await createPolicy({
      actor: actors.author,
      input: { ...policyInput({ packagePath: depPkg, source: depSource }), testSource: depTests },
    });
    expect(dep.packagePath).toBe(depPkg);

    const run = await testVersion(dep.id, 1);
    expect(run.status).toBe("passed");
    expect(run.summary.passed).toBe(2);
    expect(run.context.policies.map((p) => p.packagePath)).toContain(libPkg);
    expect((await testVersion(lib.id, 1)).status).toBe("passed");

    // The editor's check compiles with the library too, and reports on the editor's file only.
    const lint = await lintRego({ actor: actors.author, source: depSource, fileName: policyFilePath(depPkg) });
    expect(lint.errors).toEqual([]);

    const depRefs = await getPolicyReferences({ actor: actors.author, policyId: dep.id });
    expect(depRefs.dependencies).toEqual([
      { policyId: lib.id, name: lib.name, packagePath: libPkg, version: 1, direct: true },
    ]);
    const libRefs = await getPolicyReferences({ actor: actors.author, policyId: lib.id });
    expect(libRefs.dependants.map((d) => d.packagePath)).toEqual([depPkg]);
  });

  it("publishes a bundle with the library, and a real opa agent decides with it", async () => {
    bundle = await createTestBundle(actors.admin, { roots: [root], policyIds: [lib.id, dep.id] });
    const cr = await approvedChange("Library and dependant", [lib.head.id, dep.head.id]);
    const { revisions } = await publishChangeRequest({ actor: actors.admin, number: cr.number, input: {} });
    expect(revisions).toHaveLength(1);
    firstRevision = revisions[0]!.revision;

    const stored = await db.bundleRevision.findUniqueOrThrow({ where: { id: revisions[0]!.id } });
    const server: StaticBundleServer = await startStaticBundleServer();
    cleanup.push(server.stop);
    server.serve(Buffer.from(stored.bytes), `"${revisions[0]!.revision}"`);
    const config = buildAgentConfig({
      publicUrl: server.url,
      credential: { kind: "bearer", token: "unused" },
      bundles: [bundle.name],
      keys: await listedPublicKeys(),
      identityLabel: "instance",
      status: true,
      decisionLogs: false,
    });
    const agent: OpaAgent = await startOpaAgent({ name: "library-bundle", config, tweak: fastPolling() });
    cleanup.push(agent.stop);
    await eventually(async () => expect(await agent.activeRevision(bundle.name)).toBe(revisions[0]!.revision), {
      timeoutMs: 15_000,
    });
    const path = `${root}/K8sBlockWildcardIngress/allow`;
    expect(await agent.decide(path, { operation: "UPDATE" })).toBe(false);
    expect(await agent.decide(path, { operation: "CREATE" })).toBe(true);
  });

  it("lists a library change's dependants, runs their tests with it, and blocks publishing when they fail", async () => {
    const breaking = await saveLibrary(["PATCH"], "PATCH", 1);
    const cr = await approvedChange("Library: PATCH only", [breaking.id]);

    const before = await getChangeRequestOrThrow({ actor: actors.author, number: cr.number });
    expect(before.tests.dependants).toMatchObject([{ packagePath: depPkg, status: "missing", uses: [libPkg] }]);
    expect(before.tests.passed).toBe(false);

    const ran = await runDependantTests({ actor: actors.author, number: cr.number });
    expect(ran.runs.map((r) => [r.packagePath, r.run.status])).toEqual([[depPkg, "failed"]]);
    expect(ran.runs[0]!.run.context.proposed).toMatchObject({ changeRequest: cr.number });

    const error = await appError(publishChangeRequest({ actor: actors.admin, number: cr.number, input: {} }));
    expect(error.status).toBe(422);
    expect(error.message).toContain("Tests must pass");
    const gate = (
      error.extra as { tests: { results: Array<{ status: string }>; dependants: Array<{ status: string }> } }
    ).tests;
    expect(gate.results.map((r) => r.status)).toEqual(["passed"]);
    expect(gate.dependants.map((d) => d.status)).toEqual(["failed"]);
    // The failing run was made with the proposed library: the dependant's own evidence still stands.
    const own = await db.$transaction((tx) => testGateFor(tx, [dep.head.id]));
    expect(own.passed).toBe(true);
    expect(await db.bundleRevision.count({ where: { bundleId: bundle.id } })).toBe(1);
  });

  it("analyses a library change's impact on the decisions of the policies that use it", async () => {
    const path = `${root}/K8sBlockWildcardIngress/allow`;
    const recorded = (operation: string, result: boolean) =>
      decisionEvent({ path, input: { operation }, result, bundles: { [bundle.name]: { revision: firstRevision } } });
    const events = [recorded("UPDATE", false), recorded("UPDATE", false), recorded("CREATE", true)];
    await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify(events)) });
    const breaking = await db.policyVersion.findFirstOrThrow({ where: { policyId: lib.id, number: 2 } });
    const cr = await approvedChange("Library: PATCH only, again", [breaking.id]);
    const report = await analyzeImpact({ actor: actors.reviewer, number: cr.number, query: {} });
    expect(report.errors).toEqual([]);
    expect(report.packages).toEqual([libPkg, depPkg]);
    // With the library matching PATCH only, UPDATE is no longer an update: the dependant would allow it.
    expect(report.flips.deny_to_allow).toEqual({ inputs: 1, decisions: 2 });
    expect(report.unchanged.inputs).toBe(1);
  });

  it("publishes a library change once its dependants' tests pass with it", async () => {
    const compatible = await saveLibrary(["UPDATE", "PATCH"], "PATCH", 2);
    const cr = await approvedChange("Library: UPDATE and PATCH", [compatible.id]);
    const ran = await runDependantTests({ actor: actors.author, number: cr.number });
    expect(ran.runs.map((r) => [r.packagePath, r.run.status])).toEqual([[depPkg, "passed"]]);
    const view = await getChangeRequestOrThrow({ actor: actors.author, number: cr.number });
    expect(view.tests).toMatchObject({ passed: true, dependants: [{ packagePath: depPkg, status: "passed" }] });
    const { revisions } = await publishChangeRequest({ actor: actors.admin, number: cr.number, input: {} });
    expect(revisions.map((r) => r.bundle)).toEqual([bundle.name]);
  });

  it("imports a dependant with a quoted package segment from files", async () => {
    const packagePath = `${root}["x-ray"]`;
    const imported = await importNewPolicy({
      actor: actors.author,
      input: {
        name: "X-ray",
        owner: "team",
        description: "",
        files: { "policy.rego": `package ${packagePath}\n\nimport data.${libPkg}\n\nscan if k8s.is_update(input)\n` },
      },
    });
    expect(imported.packagePath).toBe(packagePath);
    const refs = await getPolicyReferences({ actor: actors.author, policyId: imported.id });
    expect(refs.dependencies.map((d) => d.packagePath)).toEqual([libPkg]);
  });

  it("refuses to publish a bundle that would ship a policy without the library it needs", async () => {
    const otherRoot = uniqueRoot();
    const app = await createPolicy({
      actor: actors.author,
      input: policyInput({
        packagePath: `${otherRoot}.app`,
        source: `package ${otherRoot}.app\n\nimport data.${libPkg}\n\nallow if not k8s.is_update(input)\n`,
      }),
    });
    const other = await createTestBundle(actors.admin, { roots: [otherRoot], policyIds: [app.id] });
    const cr = await approvedChange("App without its library", [app.head.id]);
    const error = await appError(
      publishChangeRequest({ actor: actors.admin, number: cr.number, input: { overrideReason: TEST_OVERRIDE } }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain(
      `bundle ${other.name} needs package ${libPkg} (used by ${otherRoot}.app) but does not ship it`,
    );
    expect(await db.bundleRevision.count({ where: { bundleId: other.id } })).toBe(0);
  });
});
