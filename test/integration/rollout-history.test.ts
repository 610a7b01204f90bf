import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { abortRollout } from "@/lib/rollouts/end-rollout";
import { evaluateRollout } from "@/lib/rollouts/evaluate-rollout";
import { HISTORY_KEPT, rolloutHistory } from "@/lib/rollouts/rollout-history";
import { getRollout } from "@/lib/rollouts/rollout-view";
import { startRollout } from "@/lib/rollouts/start-rollout";
import { createTestAgentCredential } from "@/test/factories/agents";
import { approveNewVersion, publishedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";
import { appError } from "@/test/support/app-error";

type Scenario = Awaited<ReturnType<typeof publishedScenario>>;
let s: Scenario;
let credentialId: string;
let version = 1;
const bundleName = () => s.scenario.bundle.name;
const path = () => `${s.scenario.root}/authz/allow`;

/** Decision log rows as the agent plane stores them: the canary's from the member credential on B, the baseline's on A. */
async function decisions(side: "canary" | "baseline", revision: string, allowed: boolean, count: number, at: Date) {
  await db.decision.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      timestamp: new Date(at.getTime() + i),
      decisionId: randomUUID(),
      path: path(),
      allowed,
      result: allowed,
      caller: `spiffe://test/${side}-${i % 3}`,
      agent: `${side}-agent`,
      credentialId: side === "canary" ? credentialId : null,
      revisions: [revision],
      unpublished: false,
      bundles: { [bundleName()]: { revision } },
      labels: {},
      metrics: { timer_rego_query_eval_ns: 20_000 + i },
    })),
  });
}

async function rolloutOfNewVersion(minSoakSeconds: number) {
  const number = await approveNewVersion(s.actors, s.scenario, ["alice", "bob"], version);
  version += 1;
  return startRollout({
    actor: s.actors.admin,
    name: bundleName(),
    input: {
      changeRequest: number,
      overrideReason: TEST_OVERRIDE,
      stages: [100],
      minSoakSeconds,
      thresholds: { minCanaryDecisions: 10, minDecisionsPerPath: 5 },
    },
  });
}

beforeAll(async () => {
  s = await publishedScenario({ users: ["alice"] });
  credentialId = (await createTestAgentCredential(s.actors.admin, { bundles: [bundleName()], mayUploadLogs: true }))
    .credential.id;
}, 60_000);

describe("rollout evaluation history", () => {
  it("appends every judgement whole, keeps the newest per rollout, and ends with the abort", async () => {
    const rollout = await rolloutOfNewVersion(3600);
    expect(rollout.canaryCredentialIds).toEqual([credentialId]);
    expect((await rolloutHistory({ actor: s.actors.admin, name: bundleName(), id: rollout.id })).evaluations).toEqual(
      [],
    );
    const started = new Date(rollout.stage.startedAt);
    await decisions("baseline", rollout.baseline.revision, true, 20, new Date(started.getTime() + 10));
    await decisions("canary", rollout.canary.revision, true, 20, new Date(started.getTime() + 10));

    const first = await evaluateRollout(rollout.id, { now: new Date(started.getTime() + 1_000) });
    const second = await evaluateRollout(rollout.id, { now: new Date(started.getTime() + 2_000) });
    expect([first.outcome, second.outcome]).toEqual(["held", "held"]);
    let history = (await rolloutHistory({ actor: s.actors.admin, name: bundleName(), id: rollout.id })).evaluations;
    expect(history.map((h) => [h.verdict, h.outcome, h.stage, h.canaryAgents])).toEqual([
      ["hold", "held", 100, 1],
      ["hold", "held", 100, 1],
    ]);
    expect(history[0]!.evaluatedAt).toBe(new Date(started.getTime() + 1_000).toISOString());
    // The evaluation object is stored whole: what the rollout keeps as its last evaluation, figures and all.
    const view = await getRollout({ actor: s.actors.admin, name: bundleName(), id: rollout.id });
    expect(history[1]!.evaluation).toEqual(view.lastEvaluation);
    expect(history[1]!.evaluation).toMatchObject({
      verdict: "hold",
      reasons: ["the stage has not soaked for its minimum time yet"],
      figures: {
        canary: { total: 20, paths: { [path()]: { total: 20, allow: 20, deny: 0 } } },
        baseline: { total: 20, paths: { [path()]: { total: 20, allow: 20, deny: 0 } } },
      },
    });

    // Bounded: with the history full, the next judgement pushes out the oldest.
    await db.$executeRaw`
      INSERT INTO bundle_rollout_evaluations (rollout_id, stage_index, stage, evaluated_at, verdict, outcome, canary_agents, evaluation)
      SELECT ${rollout.id}::uuid, 0, 100, ${started}::timestamptz - make_interval(secs => g), 'hold', 'held', 1, '{"filler": true}'::jsonb
      FROM generate_series(1, ${HISTORY_KEPT}) AS g`;
    await decisions("canary", rollout.canary.revision, false, 20, new Date(started.getTime() + 2_500));
    const aborted = await evaluateRollout(rollout.id, { now: new Date(started.getTime() + 3_000) });
    expect(aborted.outcome).toBe("aborted");
    expect(await db.bundleRolloutEvaluation.count({ where: { rolloutId: rollout.id } })).toBe(HISTORY_KEPT);
    history = (await rolloutHistory({ actor: s.actors.admin, name: bundleName(), id: rollout.id })).evaluations;
    expect(history).toHaveLength(HISTORY_KEPT);
    expect(history[0]!.evaluatedAt).toBe(new Date(started.getTime() - (HISTORY_KEPT - 3) * 1000).toISOString());
    const last = history.at(-1)!;
    expect([last.verdict, last.outcome]).toEqual(["abort", "aborted"]);
    expect((last.evaluation.reasons as string[])[0]).toMatch(/^deny rate on /);
    expect(history.slice(-3, -1).map((h) => h.evaluatedAt)).toEqual([
      new Date(started.getTime() + 1_000).toISOString(),
      new Date(started.getTime() + 2_000).toISOString(),
    ]);

    // An ended rollout is not judged again, and adds nothing.
    expect((await evaluateRollout(rollout.id)).outcome).toBe("not_running");
    expect(await db.bundleRolloutEvaluation.count({ where: { rolloutId: rollout.id } })).toBe(HISTORY_KEPT);
  }, 60_000);

  it("records no judgement for a manual abort, and a rollout's history is its own", async () => {
    const rollout = await rolloutOfNewVersion(0);
    await abortRollout({
      actor: s.actors.admin,
      name: bundleName(),
      id: rollout.id,
      input: { reason: "stopped by hand" },
    });
    expect((await rolloutHistory({ actor: s.actors.admin, name: bundleName(), id: rollout.id })).evaluations).toEqual(
      [],
    );
    const other = await appError(rolloutHistory({ actor: s.actors.admin, name: "no-such-bundle", id: rollout.id }));
    expect(other.status).toBe(404);
  }, 60_000);
});
