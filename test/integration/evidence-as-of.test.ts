import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/core/db";
import type { AppError } from "@/lib/core/errors";
import { getStateAt, loadRevisions, type StateAt } from "@/lib/evidence/state-at";
import { diffStates } from "@/lib/evidence/diff-states";
import { evidenceScenario, type EvidenceScenario } from "@/test/factories/evidence-scenario";

let s: EvidenceScenario;

beforeAll(async () => {
  s = await evidenceScenario();
}, 240_000);

afterAll(async () => {
  await s?.stop();
});

const ms = (d: Date, delta = 0) => new Date(d.getTime() + delta);
const state = (at: Date) => getStateAt({ actor: s.actors.auditor, at });
const bundle = (st: StateAt, name: string) => st.bundles.find((b) => b.name === name)!;

describe("the state as of a moment", () => {
  it("names the revision published at or before the moment, exactly at the boundaries", async () => {
    const [r1, r2, r3] = s.revisions.policy;
    expect(s.revisions.policy.map((r) => r.revision)).toEqual(["r1", "r2", "r3"]);
    expect(bundle(await state(ms(r1!.publishedAt, -1)), s.bundles.policy).revision).toBeNull();
    expect(bundle(await state(r1!.publishedAt), s.bundles.policy).revision?.revision).toBe("r1");
    expect(bundle(await state(ms(r2!.publishedAt, -1)), s.bundles.policy).revision?.revision).toBe("r1");
    expect(bundle(await state(r2!.publishedAt), s.bundles.policy).revision?.revision).toBe("r2");
    expect(bundle(await state(ms(r3!.publishedAt, -1)), s.bundles.policy).revision?.revision).toBe("r2");
    expect(bundle(await state(new Date()), s.bundles.policy).revision?.revision).toBe("r3");
  });

  it("gives the policy versions in force with their change request, approvals, tests and publisher", async () => {
    const r1 = bundle(await state(s.revisions.policy[1]!.publishedAt), s.bundles.policy).revision!;
    expect(r1.publishedBy).toBe(s.actors.admin.email);
    expect(r1.policies).toEqual([
      expect.objectContaining({ packagePath: s.policy.packagePath, version: 2, testRuns: [] }),
    ]);
    expect(r1.changeRequest).toMatchObject({ title: "Allow alice, bob", author: s.actors.author.email });
    expect(r1.changeRequest!.approvals).toEqual([
      expect.objectContaining({ reviewer: s.actors.reviewer.email, matchesContent: true }),
    ]);
    const first = bundle(await state(s.revisions.policy[0]!.publishedAt), s.bundles.policy).revision!;
    expect(first.policies[0]).toMatchObject({ version: 1, testRuns: [] });
    // Version 1 was tested after r1 shipped: the run shows from the moment it was made, not before.
    const later = bundle(await state(s.revisions.policy[1]!.publishedAt), s.bundles.policy);
    expect(later.revision!.policies[0]!.version).toBe(2);
    const { rows } = await pool().query<{ created_at: Date }>(`SELECT created_at FROM test_runs WHERE policy_id = $1`, [
      s.policy.policy.id,
    ]);
    const ranAt = rows[0]!.created_at;
    const before = await loadV1Runs(ms(ranAt, -1));
    const after = await loadV1Runs(ranAt);
    expect(before).toEqual([]);
    expect(after).toEqual([expect.objectContaining({ by: s.actors.author.email })]);
  });

  it("gives the grants the allowlist revision shipped, with owner, change request and approver", async () => {
    const [a1, a2, a3] = s.revisions.authz;
    expect((await state(a1!.publishedAt)).grants).toMatchObject({ bundle: s.bundles.authz, revision: "r1", items: [] });
    expect((await state(ms(a2!.publishedAt, -1))).grants!.items).toEqual([]);
    const atA2 = (await state(a2!.publishedAt)).grants!;
    expect(atA2.revision).toBe("r2");
    expect(atA2.items).toEqual([
      expect.objectContaining({
        service: s.service,
        method: "GET",
        path: "/refunds/{id}",
        caller: s.callers.orders,
        owner: "team-orders",
        recorded: true,
        createdBy: s.actors.author.email,
        approvedBy: s.actors.reviewer.email,
        changeRequest: expect.objectContaining({
          number: s.changeRequests.grantOrders,
          approvals: [expect.objectContaining({ reviewer: s.actors.reviewer.email, matchesContent: true })],
        }),
      }),
    ]);
    const atA3 = (await state(a3!.publishedAt)).grants!;
    expect(atA3.items.map((g) => [g.caller, g.path, g.changeRequest?.number])).toEqual([
      [s.callers.reports, "/reports/*", s.changeRequests.swap],
    ]);
  });

  it("says which revision the agent reported running, switching exactly at its first report of the next", async () => {
    const { rows } = await pool().query<{ active_revision: string; first_reported_at: Date }>(
      `SELECT active_revision, first_reported_at FROM agent_revision_reports
        WHERE agent_identity = 'evidence-agent' AND bundle_name = $1 ORDER BY id`,
      [s.bundles.policy],
    );
    expect(rows.map((r) => r.active_revision)).toEqual(["r1", "r2", "r3"]);
    const switched = rows[1]!.first_reported_at;
    const agentAt = async (at: Date) => bundle(await state(at), s.bundles.policy).agents;
    expect(await agentAt(ms(rows[0]!.first_reported_at, -1))).toEqual([]);
    expect(await agentAt(ms(switched, -1))).toEqual([
      expect.objectContaining({ identity: "evidence-agent", revision: "r1", nextReportAt: switched.toISOString() }),
    ]);
    expect(await agentAt(switched)).toEqual([
      expect.objectContaining({ identity: "evidence-agent", revision: "r2", firstReportedAt: switched.toISOString() }),
    ]);
  });

  it("diffs two moments: revisions, policy versions, agents and grants", async () => {
    const from = s.revisions.authz[1]!.publishedAt;
    const to = new Date();
    const diff = await diffStates({ actor: s.actors.auditor, from, to });
    expect(diff.revisions).toEqual(
      expect.arrayContaining([
        { bundle: s.bundles.authz, from: "r2", to: "r3" },
        { bundle: s.bundles.policy, from: "r1", to: "r3" },
      ]),
    );
    expect(diff.policies).toEqual([{ bundle: s.bundles.policy, packagePath: s.policy.packagePath, from: 1, to: 3 }]);
    expect(diff.grants.added.map((g) => g.to!.caller)).toEqual([s.callers.reports]);
    expect(diff.grants.removed.map((g) => g.from!.caller)).toEqual([s.callers.orders]);
    expect(diff.agents).toEqual(
      expect.arrayContaining([{ bundle: s.bundles.policy, identity: "evidence-agent", from: "r1", to: "r3" }]),
    );
  });

  it("is for auditors and admins only", async () => {
    const error = (await getStateAt({ actor: s.actors.author, at: new Date() }).catch((e: unknown) => e)) as AppError;
    expect(error.status).toBe(403);
    await expect(getStateAt({ actor: s.actors.admin, at: new Date() })).resolves.toMatchObject({
      history: { recordedSince: expect.any(String) },
    });
  });
});

async function loadV1Runs(at: Date) {
  const { rows } = await pool().query<{ id: string }>(
    `SELECT r.id FROM bundle_revisions r JOIN bundles b ON b.id = r.bundle_id WHERE b.name = $1 AND r.number = 1`,
    [s.bundles.policy],
  );
  const loaded = await loadRevisions([rows[0]!.id], at);
  return loaded.get(rows[0]!.id)!.view.policies[0]!.testRuns;
}
