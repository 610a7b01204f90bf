import { db, pool } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

/** Agents silent for longer than this are stale. */
export const STALE_AFTER_MS = 5 * 60_000;

/** How many agents of one bundle report one active revision (null: none active yet). */
export type RevisionCount = { revision: string | null; agents: number; stale: number; latest: boolean };

export type Rollout = {
  bundle: string;
  latest: { number: number; revision: string; publishedAt: string } | null;
  total: number;
  onLatest: number;
  behind: number;
  stale: number;
  failing: number;
  /** Agents (stale or not) that run any revision but the latest: the "not on rN" list's length. */
  notOnLatest: number;
  /** Newest revision first, then revisions Verdict did not publish, then "none". */
  revisions: RevisionCount[];
  summary: string;
};

export type FleetTotals = { agents: number; stale: number; failing: number; archived: number };

type RevisionSqlRow = {
  bundle_name: string;
  active_revision: string | null;
  agents: number;
  stale: number;
  failing: number;
};

/**
 * Per bundle: how many agents run each revision, and how many recently seen ones run the newest
 * revision, lag behind, or report errors. Agents past the retention window are archived, so
 * they no longer count here.
 */
export async function rolloutProgress(options: { actor: Actor }): Promise<Rollout[]> {
  requirePermission(options.actor, "agent:read");
  const staleBefore = new Date(Date.now() - STALE_AFTER_MS);
  const [bundles, latest, { rows }] = await Promise.all([
    db.bundle.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } }),
    db.bundleRevision.findMany({
      distinct: ["bundleId"],
      orderBy: [{ bundleId: "asc" }, { number: "desc" }],
      select: { bundleId: true, number: true, revision: true, publishedAt: true },
    }),
    pool().query<RevisionSqlRow>(
      `SELECT s.bundle_name, s.active_revision, count(*)::int AS agents,
              count(*) FILTER (WHERE a.last_seen_at < $1)::int AS stale,
              count(*) FILTER (WHERE a.last_seen_at >= $1 AND s.code IS NOT NULL)::int AS failing
         FROM agent_bundle_statuses s JOIN agents a ON a.id = s.agent_id
        GROUP BY s.bundle_name, s.active_revision`,
      [staleBefore],
    ),
  ]);
  const latestBy = new Map(latest.map((r) => [r.bundleId, r]));
  const countsBy = new Map<string, RevisionSqlRow[]>();
  for (const r of rows) (countsBy.get(r.bundle_name) ?? countsBy.set(r.bundle_name, []).get(r.bundle_name)!).push(r);
  return bundles.map((b) => {
    const head = latestBy.get(b.id) ?? null;
    const mine = countsBy.get(b.name) ?? [];
    const sum = (pick: (r: RevisionSqlRow) => number) => mine.reduce((n, r) => n + pick(r), 0);
    const isLatest = (r: RevisionSqlRow) => head !== null && r.active_revision === head.revision;
    const total = sum((r) => r.agents);
    const stale = sum((r) => r.stale);
    const onLatest = sum((r) => (isLatest(r) ? r.agents - r.stale : 0));
    const counts = { total, onLatest, behind: total - stale - onLatest, stale, failing: sum((r) => r.failing) };
    return {
      bundle: b.name,
      latest: head
        ? { number: head.number, revision: head.revision, publishedAt: head.publishedAt.toISOString() }
        : null,
      ...counts,
      notOnLatest: total - sum((r) => (isLatest(r) ? r.agents : 0)),
      revisions: mine
        .map((r) => ({ revision: r.active_revision, agents: r.agents, stale: r.stale, latest: isLatest(r) }))
        .sort(byRevision),
      summary: describeRollout(head?.revision ?? null, counts),
    };
  });
}

// Verdict names revisions rN: newest first; anything else (another server's, or none) after them.
function byRevision(a: RevisionCount, b: RevisionCount): number {
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
): string {
  if (!revision)
    return c.total === 0
      ? "Not published yet"
      : `Not published yet; ${c.total} agent${c.total === 1 ? "" : "s"} polling`;
  if (c.total === 0) return `No agents report ${revision} yet`;
  const parts = [`${c.onLatest} of ${c.total} agent${c.total === 1 ? "" : "s"} on ${revision}`];
  if (c.behind > 0) parts.push(`${c.behind} on an older revision`);
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
