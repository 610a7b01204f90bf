import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { enqueueAgentStatus, flushAgentStatus } from "@/lib/agents/record-agent-status";
import { ZStatusReport } from "@/lib/agents/schemas";
import { rolloutProgress } from "@/lib/agents/fleet";
import { listAgents } from "@/lib/agents/list-agents";
import { detectAlerts, thresholdsFromEnv, WITHDRAWN_GRACE_MS } from "@/lib/alerts/detect-alerts";
import { servedRevisionFor } from "@/lib/bundles/bundle-cache";
import { abortRollout } from "@/lib/rollouts/end-rollout";
import { startRollout } from "@/lib/rollouts/start-rollout";
import { createTestAgentCredential } from "@/test/factories/agents";
import { approveNewVersion, publishedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";

// The fleet view and the drift alert judge each agent against the revision Verdict serves it
// (lib/bundles/assigned-revision.ts), the same rule the bundle endpoint applies.

type Scenario = Awaited<ReturnType<typeof publishedScenario>>;
type Agent = { identity: string; credentialId: string; canary: boolean };

let s: Scenario;
let agents: Agent[];
const bundle = () => s.scenario.bundle.name;

async function report(agent: Agent, revision: string) {
  enqueueAgentStatus(
    ZStatusReport.parse({
      labels: { id: `${agent.identity}-pid`, instance: agent.identity, canary: agent.canary ? "true" : "false" },
      bundles: { [bundle()]: { name: bundle(), active_revision: revision } },
    }),
    agent.credentialId,
  );
  await flushAgentStatus();
}

const progress = async () => (await rolloutProgress({ actor: s.actors.admin })).find((r) => r.bundle === bundle())!;
const drift = async () =>
  (await detectAlerts(new Date(), thresholdsFromEnv())).filter(
    (a) => a.kind === "revision_drift" && a.key.startsWith(`${bundle()}@`),
  );
const unassigned = async () =>
  (await listAgents({ actor: s.actors.admin, query: { bundle: bundle(), unassigned: true } })).items.map(
    (a) => a.identity,
  );

beforeAll(async () => {
  s = await publishedScenario({ users: ["alice"] });
  agents = [];
  for (const [name, canary] of [
    ["canary-on-b", true],
    ["canary-still-a", true],
    ["stable-1", false],
    ["stable-2", false],
  ] as const) {
    const credential = await createTestAgentCredential(s.actors.admin, { bundles: [bundle()] });
    agents.push({ identity: `${bundle()}-${name}`, credentialId: credential.credential.id, canary });
  }
  for (const a of agents) await report(a, "r1");
}, 60_000);

describe("the fleet and the drift alert during and after a rollout", () => {
  it("counts baseline agents as current while it runs, and the canary's agents that lag as behind", async () => {
    const number = await approveNewVersion(s.actors, s.scenario, ["alice", "bob"], 1);
    const rollout = await startRollout({
      actor: s.actors.admin,
      name: bundle(),
      input: {
        changeRequest: number,
        overrideReason: TEST_OVERRIDE,
        selector: { canary: "true" },
        stages: [100],
        minSoakSeconds: 3600,
        thresholds: {},
      },
    });
    expect(rollout.canaryCredentialIds.sort()).toEqual(
      agents
        .filter((a) => a.canary)
        .map((a) => a.credentialId)
        .sort(),
    );
    await report(agents[0]!, "r2");

    const p = await progress();
    expect(p).toMatchObject({
      latest: { revision: "r2" },
      rollout: { id: rollout.id, state: "running", baseline: "r1", canary: "r2" },
      total: 4,
      onLatest: 3,
      behind: 1,
      notOnLatest: 1,
    });
    expect(p.revisions).toEqual([
      { revision: "r2", agents: 1, stale: 0, latest: true, assigned: true },
      { revision: "r1", agents: 3, stale: 0, latest: false, assigned: true },
    ]);
    expect(p.summary).toBe("3 of 4 agents on their rollout revision (r2 canary, r1 baseline), 1 on another revision");
    // The one agent not on its revision is the canary that has not taken r2 yet.
    expect(await unassigned()).toEqual([agents[1]!.identity]);
    const rows = (await listAgents({ actor: s.actors.admin, query: { bundle: bundle() } })).items;
    expect(Object.fromEntries(rows.map((a) => [a.identity, a.bundles[0]!.assignedRevision]))).toEqual(
      Object.fromEntries(agents.map((a) => [a.identity, a.canary ? "r2" : "r1"])),
    );
    // The same rule as the bundle endpoint.
    for (const a of agents)
      expect((await servedRevisionFor(bundle(), a.credentialId))?.revision).toBe(a.canary ? "r2" : "r1");
    expect(await drift()).toEqual([]);

    await report(agents[1]!, "r2");
    expect(await progress()).toMatchObject({ onLatest: 4, behind: 0, notOnLatest: 0 });
    expect(await unassigned()).toEqual([]);
  });

  it("after an abort, expects the baseline of every agent, and alerts on agents that keep the withdrawn canary", async () => {
    const running = await db.bundleRollout.findFirstOrThrow({
      where: { bundle: { name: bundle() }, state: "running" },
    });
    await abortRollout({ actor: s.actors.admin, name: bundle(), id: running.id, input: { reason: "enough" } });
    await report(agents[1]!, "r1");

    const p = await progress();
    expect(p).toMatchObject({
      latest: { revision: "r1" },
      rollout: { state: "aborted", baseline: "r1", canary: "r2" },
      onLatest: 3,
      behind: 1,
      notOnLatest: 1,
    });
    expect(p.revisions).toEqual([
      { revision: "r2", agents: 1, stale: 0, latest: false, assigned: false },
      { revision: "r1", agents: 3, stale: 0, latest: true, assigned: true },
    ]);
    expect(p.summary).toBe("3 of 4 agents on r1 (the rollout of r2 was aborted), 1 on another revision");
    expect(await unassigned()).toEqual([agents[0]!.identity]);
    // Within the grace after the abort the agent may still be switching back: no alert yet.
    expect(await drift()).toEqual([]);

    // The abort is older than the grace now, and the agent reported since, still on r2.
    await db.bundleRollout.update({
      where: { id: running.id },
      data: { endedAt: new Date(Date.now() - WITHDRAWN_GRACE_MS - 1000) },
    });
    await report(agents[0]!, "r2");
    expect(await drift()).toEqual([
      expect.objectContaining({
        key: `${bundle()}@r2`,
        severity: "warning",
        details: { bundle: bundle(), revision: "r2", expected: "r1", agents: 1, sample: [agents[0]!.identity] },
      }),
    ]);

    await report(agents[0]!, "r1");
    expect(await drift()).toEqual([]);
    expect(await progress()).toMatchObject({ onLatest: 4, notOnLatest: 0 });
  });
});
