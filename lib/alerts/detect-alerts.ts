import { Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { STALE_AFTER_MS } from "@/lib/agents/fleet";
import { ASSIGNMENTS_SQL } from "@/lib/bundles/assigned-revision";
import type { Alert } from "@/lib/alerts/alert-kinds";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SAMPLE = 20;
/** A path whose usual denial rate is ~0 still needs this rate before it "spikes". */
const RATE_FLOOR = 0.01;
/** After an abort, how long an agent may still report the withdrawn canary (its next poll and status report). */
export const WITHDRAWN_GRACE_MS = 2 * 60_000;

export type AlertThresholds = {
  /** How many times its usual level a denial rate (or count) must reach. */
  spikeFactor: number;
  /** Fewer denials than this in the last hour never count as a spike. */
  spikeMinDenials: number;
  /** Grants expiring within this many days are announced, per owner, once a day. */
  expiryDays: number;
  /** How many stale (or failing) agents make an alert. */
  unhealthyAgents: number;
};

export function thresholdsFromEnv(): AlertThresholds {
  const e = env();
  return {
    spikeFactor: e.ALERT_DENIAL_SPIKE_FACTOR,
    spikeMinDenials: e.ALERT_DENIAL_SPIKE_MIN_DENIALS,
    expiryDays: e.ALERT_GRANT_EXPIRY_DAYS,
    unhealthyAgents: e.ALERT_UNHEALTHY_AGENTS,
  };
}

/** Every alert condition that holds at `now`. */
export async function detectAlerts(now: Date, thresholds: AlertThresholds = thresholdsFromEnv()): Promise<Alert[]> {
  const found = await Promise.all([
    pathDenialSpikes(now, thresholds),
    callerDenialSpikes(now, thresholds),
    revisionDrift(now),
    unhealthyAgents(now, thresholds),
    expiringGrants(now, thresholds),
  ]);
  return found.flat();
}

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)}%`;

/**
 * Per decision path, from the hourly rollups: the denial rate of the current and the previous hour
 * against the 24 hours before them.
 */
async function pathDenialSpikes(now: Date, t: AlertThresholds): Promise<Alert[]> {
  const recentStart = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS);
  const baseStart = new Date(recentStart.getTime() - DAY_MS);
  const rows = await db.$queryRaw<Array<{ path: string; rd: number; rt: number; bd: number; bt: number }>>`
    SELECT path,
           coalesce(sum(count) FILTER (WHERE bucket >= ${recentStart} AND outcome = 'denied'), 0)::float8 AS rd,
           coalesce(sum(count) FILTER (WHERE bucket >= ${recentStart}), 0)::float8 AS rt,
           coalesce(sum(count) FILTER (WHERE bucket < ${recentStart} AND outcome = 'denied'), 0)::float8 AS bd,
           coalesce(sum(count) FILTER (WHERE bucket < ${recentStart}), 0)::float8 AS bt
      FROM decision_rollups
     WHERE bucket >= ${baseStart} AND bucket <= ${now}
     GROUP BY path`;
  return rows.flatMap((r) => {
    if (r.rd < t.spikeMinDenials) return [];
    const rate = r.rd / r.rt;
    const usual = r.bt > 0 ? r.bd / r.bt : 0;
    if (rate < t.spikeFactor * Math.max(usual, RATE_FLOOR)) return [];
    return [
      {
        kind: "denial_spike",
        key: `path:${r.path}`,
        severity: "warning",
        summary: `${r.path} denies ${percent(rate)} of decisions (${r.rd} of ${r.rt}); usually ${percent(usual)}`,
        details: {
          path: r.path,
          denied: r.rd,
          decisions: r.rt,
          rate,
          usualRate: usual,
          since: recentStart.toISOString(),
        },
      },
    ];
  });
}

/** Per caller: denials in the last hour against its hourly average over the 24 hours before. */
async function callerDenialSpikes(now: Date, t: AlertThresholds): Promise<Alert[]> {
  const recentStart = new Date(now.getTime() - HOUR_MS);
  const baseStart = new Date(recentStart.getTime() - DAY_MS);
  const rows = await db.$queryRaw<Array<{ caller: string; recent: number; base: number }>>`
    SELECT caller,
           count(*) FILTER (WHERE "timestamp" >= ${recentStart})::float8 AS recent,
           count(*) FILTER (WHERE "timestamp" < ${recentStart})::float8 AS base
      FROM decisions
     WHERE allowed = false AND caller IS NOT NULL AND "timestamp" >= ${baseStart} AND "timestamp" <= ${now}
     GROUP BY caller
    HAVING count(*) FILTER (WHERE "timestamp" >= ${recentStart}) >= ${t.spikeMinDenials}`;
  return rows.flatMap((r) => {
    const usual = r.base / 24;
    if (r.recent < t.spikeFactor * Math.max(usual, 1)) return [];
    return [
      {
        kind: "denial_spike",
        key: `caller:${r.caller}`,
        severity: "warning",
        summary: `${r.caller} was denied ${r.recent} times in the last hour; usually ${usual.toFixed(1)} an hour`,
        details: { caller: r.caller, denied: r.recent, usualPerHour: usual, since: recentStart.toISOString() },
      },
    ];
  });
}

/** Agents seen in the last day that run a revision Verdict never published (so never signed) for that bundle. */
async function revisionDrift(now: Date): Promise<Alert[]> {
  const rows = await db.$queryRaw<Array<{ bundle: string; revision: string; agents: number; sample: string[] }>>`
    SELECT s.bundle_name AS bundle, s.active_revision AS revision, count(*)::int AS agents,
           (array_agg(a.identity ORDER BY a.identity))[1:${SAMPLE}] AS sample
      FROM agent_bundle_statuses s
      JOIN agents a ON a.id = s.agent_id
     WHERE s.active_revision IS NOT NULL AND a.last_seen_at >= ${new Date(now.getTime() - DAY_MS)}
       AND NOT EXISTS (SELECT 1 FROM bundle_revisions r JOIN bundles b ON b.id = r.bundle_id
                        WHERE b.name = s.bundle_name AND r.revision = s.active_revision)
     GROUP BY 1, 2`;
  const unknown: Alert[] = rows.map((r) => ({
    kind: "revision_drift",
    key: `${r.bundle}@${r.revision}`,
    severity: "critical",
    summary: `${r.agents} agent${r.agents === 1 ? "" : "s"} run ${r.bundle} at revision "${r.revision}", which Verdict did not publish`,
    details: { bundle: r.bundle, revision: r.revision, agents: r.agents, sample: r.sample },
  }));
  return [...unknown, ...(await withdrawnCanaries(now))];
}

/**
 * Agents that still run the canary of an aborted rollout although they reported status well after
 * the abort: Verdict serves every agent the baseline then (lib/bundles/assigned-revision.ts). An
 * agent on a revision its rollout assigns to it, canary or baseline, is never drift.
 */
async function withdrawnCanaries(now: Date): Promise<Alert[]> {
  const rows = await db.$queryRaw<
    Array<{ bundle: string; revision: string; baseline: string; agents: number; sample: string[] }>
  >`
    WITH assignments AS (${Prisma.raw(ASSIGNMENTS_SQL)})
    SELECT s.bundle_name AS bundle, s.active_revision AS revision, t.baseline_revision AS baseline,
           count(*)::int AS agents, (array_agg(a.identity ORDER BY a.identity))[1:${SAMPLE}] AS sample
      FROM agent_bundle_statuses s
      JOIN agents a ON a.id = s.agent_id
      JOIN assignments t ON t.bundle_name = s.bundle_name
     WHERE t.rollout_state = 'aborted' AND s.active_revision = t.canary_revision
       AND a.last_seen_at >= ${new Date(now.getTime() - DAY_MS)}
       AND a.last_seen_at >= t.rollout_ended_at + make_interval(secs => ${WITHDRAWN_GRACE_MS / 1000})
     GROUP BY 1, 2, 3`;
  return rows.map((r) => ({
    kind: "revision_drift",
    key: `${r.bundle}@${r.revision}`,
    severity: "warning",
    summary: `${r.agents} agent${r.agents === 1 ? "" : "s"} still run ${r.bundle} at ${r.revision}, whose rollout was aborted; Verdict serves them ${r.baseline}`,
    details: { bundle: r.bundle, revision: r.revision, expected: r.baseline, agents: r.agents, sample: r.sample },
  }));
}

/** Agents seen in the last day that went silent (stale) or report errors (failing). */
async function unhealthyAgents(now: Date, t: AlertThresholds): Promise<Alert[]> {
  const staleBefore = new Date(now.getTime() - STALE_AFTER_MS);
  const [row] = await db.$queryRaw<
    Array<{ stale: number; failing: number; stale_sample: string[] | null; failing_sample: string[] | null }>
  >`
    SELECT count(*) FILTER (WHERE last_seen_at < ${staleBefore})::int AS stale,
           count(*) FILTER (WHERE has_errors AND last_seen_at >= ${staleBefore})::int AS failing,
           (array_agg(identity ORDER BY last_seen_at) FILTER (WHERE last_seen_at < ${staleBefore}))[1:${SAMPLE}] AS stale_sample,
           (array_agg(identity ORDER BY identity) FILTER (WHERE has_errors AND last_seen_at >= ${staleBefore}))[1:${SAMPLE}] AS failing_sample
      FROM agents
     WHERE last_seen_at >= ${new Date(now.getTime() - DAY_MS)}`;
  const alerts: Alert[] = [];
  const minutes = STALE_AFTER_MS / 60_000;
  if (row && row.stale >= t.unhealthyAgents)
    alerts.push({
      kind: "unhealthy_agents",
      key: "stale",
      severity: "warning",
      summary: `${row.stale} agent${row.stale === 1 ? " has" : "s have"} not reported for more than ${minutes} minutes`,
      details: { state: "stale", agents: row.stale, sample: row.stale_sample ?? [] },
    });
  if (row && row.failing >= t.unhealthyAgents)
    alerts.push({
      kind: "unhealthy_agents",
      key: "failing",
      severity: "warning",
      summary: `${row.failing} agent${row.failing === 1 ? " reports" : "s report"} errors`,
      details: { state: "failing", agents: row.failing, sample: row.failing_sample ?? [] },
    });
  return alerts;
}

/** Per owner, once a day: the grants that run out within the window. */
async function expiringGrants(now: Date, t: AlertThresholds): Promise<Alert[]> {
  const until = new Date(now.getTime() + t.expiryDays * DAY_MS);
  const rows = await db.$queryRaw<Array<{ owner: string; grants: number; first: Date; sample: unknown[] }>>`
    SELECT e.owner, count(*)::int AS grants, min(e.expires_at) AS first,
           (array_agg(json_build_object('service', s.name, 'method', p.method, 'path', p.path_pattern,
                                        'caller', e.caller_id, 'expiresAt', e.expires_at) ORDER BY e.expires_at))[1:${SAMPLE}] AS sample
      FROM allowlist_entries e
      JOIN service_endpoints p ON p.id = e.endpoint_id
      JOIN services s ON s.id = p.service_id
     WHERE e.expires_at > ${now} AND e.expires_at <= ${until}
     GROUP BY e.owner`;
  const day = now.toISOString().slice(0, 10);
  return rows.map((r) => ({
    kind: "grants_expiring",
    key: `${r.owner}:${day}`,
    severity: "info",
    summary: `${r.grants} grant${r.grants === 1 ? "" : "s"} owned by ${r.owner} expire within ${t.expiryDays} days (first ${r.first.toISOString().slice(0, 10)})`,
    details: { owner: r.owner, grants: r.grants, firstExpiry: r.first.toISOString(), sample: r.sample },
  }));
}
