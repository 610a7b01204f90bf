import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { revisionRollouts } from "@/lib/rollouts/revision-rollouts";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { servedRevisionFor, startBundleCache, stopBundleCache } from "@/lib/bundles/bundle-cache";
import { abortRollout, promoteRollout } from "@/lib/rollouts/end-rollout";
import { bucketOf } from "@/lib/rollouts/rollout-members";
import { evaluateRollout, type RolloutEvaluation } from "@/lib/rollouts/evaluate-rollout";
import { getRollout } from "@/lib/rollouts/rollout-view";
import { startRollout } from "@/lib/rollouts/start-rollout";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { approveNewVersion, publishedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";
import { appError } from "@/test/support/app-error";
import { fastPolling, startOpaAgent, type OpaAgent } from "@/test/support/opa-agent";

type Scenario = Awaited<ReturnType<typeof publishedScenario>>;
type Fleet = { agent: OpaAgent; credentialId: string; canary: boolean };

let s: Scenario;
let server: http.Server;
let fleet: Fleet[] = [];
let version = 1;
const THRESHOLDS = { minCanaryDecisions: 4, minDecisionsPerPath: 2 };

/** Publishes a change request as a one-stage canary rollout to the agents labelled canary=true. */
function canaryRollout(changeRequest: number, minSoakSeconds: number) {
  return startRollout({
    actor: s.actors.admin,
    name: bundleName(),
    input: {
      changeRequest,
      overrideReason: TEST_OVERRIDE,
      selector: { canary: "true" },
      stages: [100],
      minSoakSeconds,
      thresholds: THRESHOLDS,
    },
  });
}

/** An approved (not yet published) change request: a new version of the policy allowing `users`. */
async function approvedChange(users: string[]): Promise<number> {
  const number = await approveNewVersion(s.actors, s.scenario, users, version);
  version += 1;
  return number;
}

const bundleName = () => s.scenario.bundle.name;
const path = () => `${s.scenario.root}/authz/allow`;
const revisions = async (agents: Fleet[]) => Promise.all(agents.map(async (a) => a.agent.activeRevision(bundleName())));

/** Every agent asks about alice and bob a few times; their decision logs go to the agent plane. */
async function decideAll(): Promise<void> {
  for (const { agent } of fleet)
    for (let i = 0; i < 3; i++)
      for (const user of ["alice", "bob"]) await agent.decide(path(), { user, caller: `spiffe://test/${user}` });
}

/** Until both sides' decisions on their revisions are stored (uploads travel on their own schedule). */
async function decisionsStored(canaryRevision: string, baselineRevision: string): Promise<void> {
  await eventually(
    async () => {
      for (const f of fleet) {
        const count = await db.decision.count({
          where: { credentialId: f.credentialId, revisions: { has: f.canary ? canaryRevision : baselineRevision } },
        });
        expect(count, `decisions of ${f.agent.name}`).toBeGreaterThanOrEqual(6);
      }
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

async function evaluateUntil(id: string, outcome: RolloutEvaluation["outcome"]): Promise<RolloutEvaluation> {
  return eventually(
    async () => {
      const result = await evaluateRollout(id);
      expect(result.outcome, JSON.stringify(result.judgement)).toBe(outcome);
      return result;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

beforeAll(async () => {
  s = await publishedScenario({ users: ["alice"] });
  server = http.createServer((req, res) => {
    if (!serveAgentPlane(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const names = ["canary-a", "canary-b", "stable-a", "stable-b"];
  fleet = await Promise.all(
    names.map(async (name) => {
      const canary = name.startsWith("canary");
      const credential = await createTestAgentCredential(s.actors.admin, {
        bundles: [bundleName()],
        mayUploadLogs: true,
      });
      const agent = await startOpaAgent({
        name: `rollout-${name}`,
        config: credential.opaConfig,
        tweak: (config) => {
          fastPolling()(config);
          config.decision_logs.reporting = { min_delay_seconds: 1, max_delay_seconds: 2 };
          config.labels = { ...config.labels, canary: canary ? "true" : "false" };
          for (const service of Object.values(config.services) as Array<{ url: string }>)
            service.url = service.url.replace(/^https?:\/\/[^/]+/, base);
        },
      });
      return { agent, credentialId: credential.credential.id, canary };
    }),
  );
  await eventually(async () => expect(await revisions(fleet)).toEqual(["r1", "r1", "r1", "r1"]), {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  // The selector matches labels the agents report in their status.
  await eventually(
    async () =>
      expect(await db.agent.count({ where: { credentialId: { in: fleet.map((f) => f.credentialId) } } })).toBe(4),
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(fleet.map((f) => f.agent.stop()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("canary rollouts with real opa agents", () => {
  it("publishes a change request to the canary agents only, and promotes it to all from their decisions", async () => {
    const number = await approvedChange(["alice", "bob"]);
    const rollout = await canaryRollout(number, 0);
    expect(rollout).toMatchObject({ state: "running", baseline: { revision: "r1" }, canary: { revision: "r2" } });
    expect(rollout.canaryCredentialIds.sort()).toEqual(
      fleet
        .filter((f) => f.canary)
        .map((f) => f.credentialId)
        .sort(),
    );
    const canaries = fleet.filter((f) => f.canary);
    const stable = fleet.filter((f) => !f.canary);
    await eventually(async () => expect(await revisions(canaries)).toEqual(["r2", "r2"]), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    // The stable agents' long polls were not woken by r2: they still run r1.
    expect(await revisions(stable)).toEqual(["r1", "r1"]);
    expect(await canaries[0]!.agent.decide(path(), { user: "bob" })).toBe(true);
    expect(await stable[0]!.agent.decide(path(), { user: "bob" })).toBe(false);

    // A second rollout of the same bundle waits for this one to end.
    const conflict = await appError(
      startRollout({
        actor: s.actors.admin,
        name: bundleName(),
        input: { revision: 2, stages: [100], minSoakSeconds: 0, thresholds: {} },
      }),
    );
    expect(conflict.status).toBe(409);

    await decideAll();
    await decisionsStored("r2", "r1");
    // r2 allows bob by design: the decision rates pass, but the replay of the window's inputs
    // shows bob's decided differently by the two revisions, so the evaluator holds for a person.
    const held = await eventually(
      async () => {
        const result = await evaluateRollout(rollout.id);
        expect(result.outcome).toBe("held");
        expect(result.judgement!.reasons.join("\n")).toContain(`decide differently`);
        return result;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(held.figures!.canary.paths[path()]).toMatchObject({ allow: expect.any(Number), deny: 0 });
    expect(held.figures!.baseline.paths[path()]!.deny).toBeGreaterThan(0);
    const replay = held.replay!;
    // Three distinct inputs: alice and bob with a caller, and bob alone (the check above).
    expect(replay.paths[path()]).toEqual({ sampled: 3, differing: 2, differenceRate: 2 / 3 });
    expect(replay.examples).toHaveLength(2);
    for (const e of replay.examples) {
      expect(e).toMatchObject({ path: path(), canary: { defined: true, result: true }, baseline: { result: false } });
      const decision = await db.decision.findFirst({ where: { decisionId: e.decisionId } });
      expect(decision?.input).toMatchObject({ user: "bob" });
    }
    // Kept on the rollout, and reused by the next evaluation rather than taken again.
    expect(
      (await getRollout({ actor: s.actors.admin, name: bundleName(), id: rollout.id })).lastEvaluation,
    ).toMatchObject({
      replay: { at: replay.at, sampled: 3, differing: 2 },
    });
    expect((await evaluateRollout(rollout.id)).replay?.at).toBe(replay.at);

    await promoteRollout({
      actor: s.actors.admin,
      name: bundleName(),
      id: rollout.id,
      input: { reason: "bob is intended" },
    });
    await eventually(async () => expect(await revisions(fleet)).toEqual(["r2", "r2", "r2", "r2"]), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const audit = await db.auditEvent.findMany({ where: { targetId: rollout.id }, orderBy: { seq: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["rollout.start", "rollout.promote"]);
  }, 120_000);

  it("aborts a revision that denies what the baseline allows, from the decision logs, and returns the canaries", async () => {
    const number = await approvedChange(["bob"]);
    const rollout = await canaryRollout(number, 3600);
    const canaries = fleet.filter((f) => f.canary);
    await eventually(async () => expect(await revisions(canaries)).toEqual(["r3", "r3"]), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(await revisions(fleet.filter((f) => !f.canary))).toEqual(["r2", "r2"]);

    await decideAll();
    await decisionsStored("r3", "r2");
    const aborted = await evaluateUntil(rollout.id, "aborted");
    expect(aborted.judgement!.reasons.join("\n")).toContain(`deny rate on ${path()}`);
    expect(aborted.judgement!.reasons.join("\n")).toContain("spiffe://test/alice");
    await eventually(async () => expect(await revisions(fleet)).toEqual(["r2", "r2", "r2", "r2"]), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(await canaries[0]!.agent.decide(path(), { user: "alice" })).toBe(true);

    const view = await getRollout({ actor: s.actors.admin, name: bundleName(), id: rollout.id });
    expect(view.state).toBe("aborted");
    const alert = await db.alertFiring.findFirst({ where: { kind: "rollout_aborted", key: { contains: rollout.id } } });
    expect(alert?.summary).toContain("back on r2");
    const audit = await db.auditEvent.findMany({ where: { targetId: rollout.id }, orderBy: { seq: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["rollout.start", "rollout.abort"]);
    // Both revisions' lineage shows the rollout and its steps, the abort with its reason.
    for (const [number, role] of [
      [3, "canary"],
      [2, "baseline"],
    ] as const) {
      const [lineage] = await revisionRollouts({ actor: s.actors.admin, bundle: bundleName(), number });
      expect(lineage).toMatchObject({ id: rollout.id, role, state: "aborted", canary: "r3", baseline: "r2" });
      expect(lineage!.steps.map((step) => step.action)).toEqual(["start", "abort"]);
      expect(lineage!.steps[1]!.reason).toContain(`deny rate on ${path()}`);
    }
    const ended = await appError(
      abortRollout({ actor: s.actors.admin, name: bundleName(), id: rollout.id, input: { reason: "again" } }),
    );
    expect(ended.status).toBe(409);
  }, 120_000);

  it("serves the same revisions after a restart of the bundle cache (a second instance, or this one rebooted)", async () => {
    const number = await approvedChange(["alice", "bob", "carol"]);
    const rollout = await canaryRollout(number, 3600);
    const served = async () =>
      Promise.all(fleet.map(async (f) => (await servedRevisionFor(bundleName(), f.credentialId))?.revision));
    const expected = fleet.map((f) => (f.canary ? rollout.canary.revision : rollout.baseline.revision));
    expect(await served()).toEqual(expected);
    // What a process starting now reads from the database alone.
    stopBundleCache();
    await startBundleCache();
    expect(await served()).toEqual(expected);

    await abortRollout({ actor: s.actors.admin, name: bundleName(), id: rollout.id, input: { reason: "done" } });
    stopBundleCache();
    await startBundleCache();
    expect(await served()).toEqual(fleet.map(() => rollout.baseline.revision));
  }, 120_000);

  it("advances stage by stage on healthy canary traffic, serving each stage's members only, and ends promoted", async () => {
    // The stages follow the agents' buckets: the lowest alone, then up to the third, then all.
    const buckets = fleet.map((f) => bucketOf(f.credentialId)).sort((a, b) => a - b);
    const stages = [...new Set([Math.floor(buckets[0]! / 100) + 1, Math.floor(buckets[2]! / 100) + 1, 100])];
    // The baseline is what the fleet runs now: r3 (bob only), the baseline of the aborted r4.
    const served = await servedRevisionFor(bundleName(), null);
    const baseline = await db.bundleRevision.findFirstOrThrow({
      where: { bundle: { name: bundleName() }, revision: served!.revision },
      select: { number: true },
    });
    // Also allows dave, whom nobody asks about: the same decisions as r3 on this traffic.
    expect(served?.revision).toBe("r3");
    const number = await approvedChange(["bob", "dave"]);
    const rollout = await startRollout({
      actor: s.actors.admin,
      name: bundleName(),
      input: {
        changeRequest: number,
        overrideReason: TEST_OVERRIDE,
        baselineRevision: baseline.number,
        stages,
        minSoakSeconds: 1,
        thresholds: THRESHOLDS,
      },
    });
    const canaryRevision = rollout.canary.revision;
    const baselineRevision = rollout.baseline.revision;
    expect(baselineRevision).toBe(served!.revision);
    const audit: string[] = ["rollout.start"];
    for (const [index, percent] of stages.entries()) {
      const view = await getRollout({ actor: s.actors.admin, name: bundleName(), id: rollout.id });
      expect(view.stage).toMatchObject({ index, percent });
      const members = fleet.filter((f) => bucketOf(f.credentialId) < percent * 100);
      expect(view.canaryCredentialIds.sort()).toEqual(members.map((f) => f.credentialId).sort());
      const expected = fleet.map((f) => (members.includes(f) ? canaryRevision : baselineRevision));
      // What each agent activated, from the bundle endpoint with its own credential.
      await eventually(async () => expect(await revisions(fleet)).toEqual(expected), {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      const since = new Date(view.stage.startedAt);
      await decideAll();
      await eventually(
        async () => {
          for (const [i, f] of fleet.entries()) {
            const count = await db.decision.count({
              where: { credentialId: f.credentialId, timestamp: { gte: since }, revisions: { has: expected[i]! } },
            });
            expect(count, `decisions of ${f.agent.name}`).toBeGreaterThanOrEqual(6);
          }
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      const last = index === stages.length - 1;
      const step = await evaluateUntil(rollout.id, last ? "promoted" : "advanced");
      expect(step.stage).toBe(percent);
      expect(step.replay).toMatchObject({ stageIndex: index, differing: 0 });
      expect(step.replay!.sampled).toBeGreaterThanOrEqual(2);
      audit.push(last ? "rollout.promote" : "rollout.advance");
    }
    await eventually(async () => expect(await revisions(fleet)).toEqual(fleet.map(() => canaryRevision)), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect((await getRollout({ actor: s.actors.admin, name: bundleName(), id: rollout.id })).state).toBe("promoted");
    const events = await db.auditEvent.findMany({ where: { targetId: rollout.id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action).filter((a) => a !== "rollout.members")).toEqual(audit);
  }, 180_000);

  it("refuses a rollout by someone without bundle:publish", async () => {
    const error = await appError(
      startRollout({
        actor: s.actors.author,
        name: bundleName(),
        input: { revision: 3, stages: [100], minSoakSeconds: 0, thresholds: {} },
      }),
    );
    expect(error.status).toBe(403);
  });
});
