import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/core/db";
import type { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { createSigningKey } from "@/lib/bundles/signing-keys";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { getDecisionOrThrow } from "@/lib/decisions/get-decision";
import { replayDecision, replayTargets } from "@/lib/decisions/replay-decision";
import { analyzeImpact } from "@/lib/decisions/analyze-impact";
import { createTestUser } from "@/test/factories/actors";
import { allowPolicy, approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";
import { decisionEvent } from "@/test/factories/decisions";

let actors: { admin: Actor; author: Actor; reviewer: Actor; auditor: Actor; viewer: Actor };
let scenario: Awaited<ReturnType<typeof approvedScenario>>;
const allowPath = () => `${scenario.packagePath.replaceAll(".", "/")}/allow`;

async function record(events: Array<Record<string, unknown>>) {
  await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify(events)) });
  return events.map((e) => e.decision_id as string);
}

function decided(user: string, allowed: boolean, revision: string, overrides: Record<string, unknown> = {}) {
  return decisionEvent({
    path: allowPath(),
    input: { user, method: "GET" },
    result: allowed,
    bundles: { [scenario.bundle.name]: { revision } },
    ...overrides,
  });
}

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
    auditor: await createTestUser(["auditor"]),
    viewer: await createTestUser(["viewer"]),
  };
  await createSigningKey({ actor: actors.admin, input: { source: "generate", algorithm: "ES256", activate: true } });
  scenario = await approvedScenario(actors, { users: ["alice"] });
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
});

describe("provenance", () => {
  it("links a decision to its revision, change request, approver and policy versions", async () => {
    const [id] = await record([decided("alice", true, "r1")]);
    const d = await getDecisionOrThrow({ actor: actors.auditor, decisionId: id! });
    expect(d.unpublished).toBe(false);
    expect(d.provenance.verified).toBe(true);
    expect(d.provenance.bundles).toEqual([
      {
        bundle: scenario.bundle.name,
        revision: "r1",
        published: expect.objectContaining({
          number: 1,
          publishedBy: actors.admin.email,
          approvedBy: actors.reviewer.email,
          changeRequest: { number: scenario.cr.number, title: `Ship ${scenario.packagePath}` },
          policyVersions: [
            expect.objectContaining({
              policyId: scenario.policy.id,
              packagePath: scenario.packagePath,
              number: 1,
              sha256: scenario.policy.head.sha256,
            }),
          ],
        }),
      },
    ]);
  });

  it("flags decisions made by a revision Verdict never published, or by no bundle", async () => {
    const ids = await record([
      decided("alice", true, "r999"),
      decisionEvent({ bundles: { "someone-elses-bundle": { revision: "r1" } } }),
      decisionEvent({ bundles: undefined }),
    ]);
    const { rows } = await pool().query("SELECT decision_id, unpublished FROM decisions WHERE decision_id = ANY($1)", [
      ids,
    ]);
    expect(rows.map((r) => r.unpublished)).toEqual([true, true, true]);
    const d = await getDecisionOrThrow({ actor: actors.auditor, decisionId: ids[0]! });
    expect(d.provenance).toEqual({
      bundles: [{ bundle: scenario.bundle.name, revision: "r999", published: null }],
      verified: false,
    });
  });
});

describe("replay against published revisions", () => {
  it("re-evaluates with the exact bundle an agent ran, and with a newer one", async () => {
    const [id] = await record([decided("alice", true, "r1")]);
    await shipNewVersion(actors, scenario, ["bob"], 1);
    const d = await getDecisionOrThrow({ actor: actors.auditor, decisionId: id! });
    const targets = await replayTargets(d);
    expect(targets.map((t) => t.value)).toEqual([
      `bundle:${scenario.bundle.name}:2`,
      `bundle:${scenario.bundle.name}:1`,
      "current",
    ]);
    expect(targets[1]!.label).toContain("decided this");
    const same = await replayDecision({
      actor: actors.auditor,
      decisionId: id!,
      against: `bundle:${scenario.bundle.name}:1`,
    });
    expect(same).toMatchObject({
      sameOutcome: true,
      sameResult: true,
      replayed: { outcome: "allowed" },
      policies: [{ packagePath: scenario.packagePath, number: 1 }],
    });
    const flipped = await replayDecision({
      actor: actors.auditor,
      decisionId: id!,
      against: `bundle:${scenario.bundle.name}:2`,
    });
    expect(flipped).toMatchObject({
      sameOutcome: false,
      recorded: { outcome: "allowed" },
      replayed: { outcome: "denied", result: false },
      policies: [{ number: 2 }],
    });
    const missing = await replayDecision({
      actor: actors.auditor,
      decisionId: id!,
      against: `bundle:${scenario.bundle.name}:99`,
    }).catch((e: unknown) => e);
    expect((missing as AppError).status).toBe(404);
  });
});

describe("impact analysis of a change request", () => {
  it("re-evaluates distinct recent inputs against the proposed policies in one run and reports flips", async () => {
    // What agents recorded under the current policy (bob only, revision r2), some inputs many times.
    const run = randomUUID().slice(0, 6);
    const events = [
      ...Array.from({ length: 3 }, () => decided("bob", true, "r2")),
      decided("carol", false, "r2"),
      decided("dave", false, "r2"),
      decided(`eve-${run}`, false, "r2"),
      decisionEvent({ path: "unrelated/allow", input: { user: "bob" }, result: true }),
    ];
    await record(events);
    const v3 = await savePolicyVersion({
      actor: actors.author,
      policyId: scenario.policy.id,
      input: {
        source: allowPolicy(scenario.packagePath, ["carol", "dave"]),
        message: "carol and dave instead of bob",
        expectedVersion: 2,
      },
    });
    const cr = await createChangeRequest({
      actor: actors.author,
      input: {
        title: "Swap bob for carol and dave",
        description: "",
        items: [{ kind: "policy_version", policyVersionId: v3.version.id }],
      },
    });
    const report = await analyzeImpact({ actor: actors.reviewer, number: cr.number, query: {} });
    expect(report.errors).toEqual([]);
    expect(report.paths).toEqual([allowPath()]);
    // Allowed inputs on record: bob (3 decisions here) and alice (3 decisions in the tests above).
    expect(report.flips.allow_to_deny).toEqual({ inputs: 2, decisions: 6 });
    expect(report.flips.deny_to_allow.inputs).toBeGreaterThanOrEqual(2);
    expect(
      report.examples
        .filter((e) => e.kind === "deny_to_allow")
        .map((e) => (e.input as { user: string }).user)
        .sort(),
    ).toEqual(expect.arrayContaining(["carol", "dave"]));
    expect(report.examples.find((e) => e.kind === "allow_to_deny")).toMatchObject({
      count: 3,
      input: { user: "bob" },
      recorded: { outcome: "allowed" },
      proposed: { outcome: "denied", result: false },
    });
    expect(report.unchanged.inputs).toBeGreaterThanOrEqual(1);
    expect(report.evaluated.inputs).toBe(
      report.unchanged.inputs +
        report.flips.allow_to_deny.inputs +
        report.flips.deny_to_allow.inputs +
        report.flips.other_change.inputs,
    );

    const capped = await analyzeImpact({ actor: actors.author, number: cr.number, query: { cap: 10, windowDays: 1 } });
    expect(capped.evaluated.inputs).toBeLessThanOrEqual(10);
    const denied = await analyzeImpact({ actor: actors.viewer, number: cr.number, query: {} }).catch((e: unknown) => e);
    expect((denied as AppError).status).toBe(403);
  });

  it("reports a proposed policy that fails on recorded inputs instead of crashing", async () => {
    const broken = `package ${scenario.packagePath}\n\nallow := input.user if input.user\nallow := "x" if input.method\n`;
    // It compiles; the two rules only conflict when both apply to an input, as the recorded ones do.
    const v = await savePolicyVersion({
      actor: actors.author,
      policyId: scenario.policy.id,
      input: { source: broken, message: "conflict", expectedVersion: 3 },
    });
    const cr = await createChangeRequest({
      actor: actors.author,
      input: {
        title: "Conflicting rules",
        description: "",
        items: [{ kind: "policy_version", policyVersionId: v.version.id }],
      },
    });
    const report = await analyzeImpact({ actor: actors.reviewer, number: cr.number, query: {} });
    expect(report.errors[0]?.code).toBe("eval_conflict_error");
  });
});
