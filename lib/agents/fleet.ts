import { pool } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { ASSIGNMENTS_SQL, assignedRevisionSql } from "@/lib/bundles/assigned-revision";

/** Agents silent for longer than this are stale. */
export const STALE_AFTER_MS = 5 * 60_000;

/**
 * How many agents of one bundle report one active revision (null: none active yet). `latest`: it
 * is the bundle's latest (Rollout.latest); `assigned`: Verdict serves it to some agents now (the
 * newest, or during a rollout its canary and baseline, after an abort its baseline).
 */
export type RevisionCount = {
  revision: string | null;
  agents: number;
  stale: number;
  latest: boolean;
  assigned: boolean;
};

/** The bundle's rollout while it decides who gets what: running, or aborted back to its baseline. */
export type FleetRollout = { id: string; state: "running" | "aborted"; baseline: string; canary: string };

export type Rollout = {
  bundle: string;
  /** The revision the fleet should end up on: the newest, or after an aborted rollout its baseline. */
  latest: { number: number; revision: string; publishedAt: string } | null;
  /** The canary rollout that decides which agent gets which revision, if any. */
  rollout: FleetRollout | null;
  total: number;
  /** Recently seen agents on the revision Verdict serves them (during a rollout: canary or baseline, per agent). */
  onLatest: number;
  /** Recently seen agents on any other revision. */
  behind: number;
  stale: number;
  failing: number;
  /** Agents (stale or not) not on the revision Verdict serves them: the "not on rN" list's length. */
  notOnLatest: number;
  /** Newest revision first, then revisions Verdict did not publish, then "none". */
  revisions: RevisionCount[];
  summary: string;
};

export type FleetTotals = { agents: number; stale: number; failing: number; archived: number };

type RevisionSqlRow = {
  bundle_name: string;
  active_revision: string | null;
  on_assigned: boolean;
  agents: number;
  stale: number;
  failing: number;
};

type AssignmentRow = {
  bundle_name: string;
  newest_revision: string | null;
  newest_number: number | null;
  newest_published_at: Date | null;
  rollout_id: string | null;
  rollout_state: "running" | "aborted" | null;
  baseline_revision: string | null;
  baseline_number: number | null;
  baseline_published_at: Date | null;
  canary_revision: string | null;
};

/**
 * Per bundle: how many agents run each revision, and how many recently seen ones run the revision
 * Verdict serves them (rollout-aware, lib/bundles/assigned-revision.ts), lag behind, or report
 * errors. Agents past the retention window are archived, so they no longer count here.
 */
export async function rolloutProgress(options: { actor: Actor }): Promise<Rollout[]> {
  requirePermission(options.actor, "agent:read");
  const staleBefore = new Date(Date.now() - STALE_AFTER_MS);
  const [{ rows: assignments }, { rows }] = await Promise.all([
    pool().query<AssignmentRow>(`SELECT * FROM (${ASSIGNMENTS_SQL}) t ORDER BY bundle_name`),
    pool().query<RevisionSqlRow>(
      `WITH assignments AS (${ASSIGNMENTS_SQL})
       SELECT s.bundle_name, s.active_revision,
              coalesce(s.active_revision = ${assignedRevisionSql("t", "a.credential_id")}, false) AS on_assigned,
              count(*)::int AS agents,
              count(*) FILTER (WHERE a.last_seen_at < $1)::int AS stale,
              count(*) FILTER (WHERE a.last_seen_at >= $1 AND s.code IS NOT NULL)::int AS failing
         FROM agent_bundle_statuses s JOIN agents a ON a.id = s.agent_id
         LEFT JOIN assignments t ON t.bundle_name = s.bundle_name
        GROUP BY 1, 2, 3`,
      [staleBefore],
    ),
  ]);
  const countsBy = new Map<string, RevisionSqlRow[]>();
  for (const r of rows) (countsBy.get(r.bundle_name) ?? countsBy.set(r.bundle_name, []).get(r.bundle_name)!).push(r);
  return assignments.map((b) => {
    const rollout: FleetRollout | null =
      b.rollout_id && b.rollout_state
        ? { id: b.rollout_id, state: b.rollout_state, baseline: b.baseline_revision!, canary: b.canary_revision! }
        : null;
    const head =
      rollout?.state === "aborted"
        ? { number: b.baseline_number!, revision: b.baseline_revision!, publishedAt: b.baseline_published_at! }
        : b.newest_revision
          ? { number: b.newest_number!, revision: b.newest_revision, publishedAt: b.newest_published_at! }
          : null;
    const assigned = new Set(
      rollout?.state === "running" ? [rollout.baseline, rollout.canary] : head ? [head.revision] : [],
    );
    const mine = countsBy.get(b.bundle_name) ?? [];
    const sum = (pick: (r: RevisionSqlRow) => number) => mine.reduce((n, r) => n + pick(r), 0);
    const total = sum((r) => r.agents);
    const stale = sum((r) => r.stale);
    const onLatest = sum((r) => (r.on_assigned ? r.agents - r.stale : 0));
    const counts = { total, onLatest, behind: total - stale - onLatest, stale, failing: sum((r) => r.failing) };
    const byRevision = new Map<string | null, RevisionCount>();
    for (const r of mine) {
      const c = byRevision.get(r.active_revision) ?? {
        revision: r.active_revision,
        agents: 0,
        stale: 0,
        latest: head !== null && r.active_revision === head.revision,
        assigned: r.active_revision !== null && assigned.has(r.active_revision),
      };
      c.agents += r.agents;
      c.stale += r.stale;
      byRevision.set(r.active_revision, c);
    }
    return {
      bundle: b.bundle_name,
      latest: head ? { ...head, publishedAt: head.publishedAt.toISOString() } : null,
      rollout,
      ...counts,
      notOnLatest: total - sum((r) => (r.on_assigned ? r.agents : 0)),
      revisions: [...byRevision.values()].sort(byRevisionOrder),
      summary: describeRollout(head?.revision ?? null, counts, rollout),
    };
  });
}

// Verdict names revisions rN: newest first; anything else (another server's, or none) after them.
function byRevisionOrder(a: RevisionCount, b: RevisionCount): number {
  const n = (r: RevisionCount) => (r.revision === null ? -2 : Number(/^r(\d+)$/.exec(r.revision)?.[1] ?? -1));
  return n(b) - n(a) || (a.revision ?? "").localeCompare(b.revision ?? "");
}

/** The fleet's size at a glance: every agent in the hot table, the stale and failing ones, and the archived. */
export async function fleetTotals(options: { actor: Actor }): Promise<FleetTotals> {
  requirePermission(options.actor, "agent:read");
  const { rows } = await pool().query<FleetTotals>(
    `SELECT count(*)::int AS agents, count(*) FILTER (WHERE last_seen_at < $1)::int AS stale,
            count(*) FILTER (WHERE has_errors)::int AS failing,
            (SELECT count(*)::int FROM archived_agents) AS archived
       FROM agents`,
    [new Date(Date.now() - STALE_AFTER_MS)],
  );
  return rows[0]!;
}

/** "37 of 40 agents on r12, 3 stale for > 5 min" */
export function describeRollout(
  revision: string | null,
  c: { total: number; onLatest: number; behind: number; stale: number; failing: number },
  rollout: FleetRollout | null = null,
): string {
  if (!revision)
    return c.total === 0
      ? "Not published yet"
      : `Not published yet; ${c.total} agent${c.total === 1 ? "" : "s"} polling`;
  if (c.total === 0) return `No agents report ${revision} yet`;
  const agents = `${c.onLatest} of ${c.total} agent${c.total === 1 ? "" : "s"}`;
  const parts = [
    rollout?.state === "running"
      ? `${agents} on their rollout revision (${rollout.canary} canary, ${rollout.baseline} baseline)`
      : rollout?.state === "aborted"
        ? `${agents} on ${revision} (the rollout of ${rollout.canary} was aborted)`
        : `${agents} on ${revision}`,
  ];
  if (c.behind > 0) parts.push(`${c.behind} on ${rollout ? "another" : "an older"} revision`);
  if (c.stale > 0) parts.push(`${c.stale} stale for > 5 min`);
  if (c.failing > 0) parts.push(`${c.failing} reporting errors`);
  return parts.join(", ");
}

/** The credentials agents report with (for the fleet's credential filter): id and name only, never a secret. */
export async function fleetCredentials(options: { actor: Actor }): Promise<Array<{ id: string; name: string }>> {
  requirePermission(options.actor, "agent:read");
  const { rows } = await pool().query<{ id: string; name: string }>(
    `SELECT c.id, c.name FROM agent_credentials c
      WHERE EXISTS (SELECT 1 FROM agents a WHERE a.credential_id = c.id) ORDER BY c.name, c.id`,
  );
  return rows;
}
