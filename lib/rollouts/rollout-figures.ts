import { Prisma } from "@/lib/generated/prisma/client";
import type { Tx } from "@/lib/core/db";

/** One side's decisions on one path in the window. */
export type PathFigures = {
  total: number;
  allow: number;
  deny: number;
  undefined: number;
  errors: number;
};

export type SideFigures = {
  total: number;
  /** Eval latency (timer_rego_query_eval_ns of the decisions' metrics) in ns; null without samples. */
  p50EvalNs: number | null;
  p99EvalNs: number | null;
  latencySamples: number;
  paths: Record<string, PathFigures>;
};

export type RolloutFigures = {
  window: { from: string; to: string };
  canary: SideFigures;
  baseline: SideFigures;
  /** Path and caller pairs the canary denied and the baseline did not deny in the window. */
  newCallersDenied: Array<{ path: string; caller: string }>;
};

export type Window = {
  bundle: string;
  members: string[];
  canaryRevision: string;
  baselineRevision: string;
  from: Date;
  to: Date;
};

/** The current stage's window of a rollout, up to `to`. */
export function stageWindow(
  r: {
    bundle: { name: string };
    canaryCredentialIds: string[];
    canaryRevision: { revision: string };
    baselineRevision: { revision: string };
    stageStartedAt: Date;
  },
  to: Date,
): Window {
  return {
    bundle: r.bundle.name,
    members: r.canaryCredentialIds,
    canaryRevision: r.canaryRevision.revision,
    baselineRevision: r.baselineRevision.revision,
    from: r.stageStartedAt,
    to,
  };
}

const NEW_CALLERS_LISTED = 50;

/**
 * What the canary and the baseline decided in one window, from the stored decision logs: a
 * decision is the canary's when its agent's credential is a member of the stage and it was
 * decided by the canary revision; the baseline's when neither.
 */
export async function rolloutFigures(tx: Tx, w: Window): Promise<RolloutFigures> {
  // One read of the window's decisions (MATERIALIZED), shared by the counts, the latency and the callers.
  const [figures] = await tx.$queryRaw<
    Array<{
      rows: Array<{
        side: "canary" | "baseline";
        path: string | null;
        total: number;
        allow: number;
        deny: number;
        undef: number;
        errors: number;
      }> | null;
      latency: Array<{ side: "canary" | "baseline"; p50: number | null; p99: number | null; samples: number }> | null;
      callers: Array<{ path: string; caller: string }> | null;
    }>
  >`
    WITH d AS MATERIALIZED (${sided(w)}),
    counts AS (
      SELECT side, path, count(*) AS total,
        count(*) FILTER (WHERE allowed AND NOT err) AS allow,
        count(*) FILTER (WHERE allowed = false AND NOT err) AS deny,
        count(*) FILTER (WHERE undef AND NOT err) AS undef,
        count(*) FILTER (WHERE err) AS errors
      FROM d WHERE side IS NOT NULL GROUP BY side, path),
    latency AS (
      SELECT side,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY eval_ns) AS p50,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY eval_ns) AS p99,
        count(eval_ns) AS samples
      FROM d WHERE side IS NOT NULL AND eval_ns IS NOT NULL GROUP BY side),
    callers AS (
      (SELECT coalesce(path, '') AS path, caller FROM d WHERE side = 'canary' AND allowed = false AND caller IS NOT NULL
       EXCEPT
       SELECT coalesce(path, '') AS path, caller FROM d WHERE side = 'baseline' AND allowed = false AND caller IS NOT NULL)
      ORDER BY path, caller LIMIT ${NEW_CALLERS_LISTED})
    SELECT (SELECT json_agg(counts) FROM counts) AS rows,
      (SELECT json_agg(latency) FROM latency) AS latency,
      (SELECT json_agg(callers ORDER BY path, caller) FROM callers) AS callers`;
  const { rows, latency, callers } = figures!;
  const side = (name: "canary" | "baseline"): SideFigures => {
    const lat = (latency ?? []).find((l) => l.side === name);
    const paths: Record<string, PathFigures> = {};
    let total = 0;
    for (const r of (rows ?? []).filter((x) => x.side === name)) {
      const f = {
        total: Number(r.total),
        allow: Number(r.allow),
        deny: Number(r.deny),
        undefined: Number(r.undef),
        errors: Number(r.errors),
      };
      paths[r.path ?? ""] = f;
      total += f.total;
    }
    return {
      total,
      p50EvalNs: lat?.p50 ?? null,
      p99EvalNs: lat?.p99 ?? null,
      latencySamples: Number(lat?.samples ?? 0),
      paths,
    };
  };
  return {
    window: { from: w.from.toISOString(), to: w.to.toISOString() },
    canary: side("canary"),
    baseline: side("baseline"),
    newCallersDenied: callers ?? [],
  };
}

/** 'canary', 'baseline' or NULL (a member on the baseline, or another revision) for a decisions row. */
export function sideOf(w: Omit<Window, "from" | "to">) {
  return Prisma.sql`CASE
        WHEN credential_id::text = ANY(${w.members}::text[]) AND bundles -> ${w.bundle} ->> 'revision' = ${w.canaryRevision} THEN 'canary'
        WHEN (credential_id IS NULL OR NOT credential_id::text = ANY(${w.members}::text[]))
          AND bundles -> ${w.bundle} ->> 'revision' = ${w.baselineRevision} THEN 'baseline'
      END`;
}

/** The window's decisions by either revision (an index-friendly filter before the side is known). */
export function inWindow(w: Window) {
  return Prisma.sql`"timestamp" >= ${w.from} AND "timestamp" <= ${w.to}
      AND (${w.canaryRevision} = ANY(revisions) OR ${w.baselineRevision} = ANY(revisions))`;
}

function sided(w: Window) {
  return Prisma.sql`
    SELECT
      ${sideOf(w)} AS side,
      path, allowed, caller,
      result IS NULL AS undef,
      coalesce(extra -> 'error' IS NOT NULL, false) AS err,
      CASE WHEN jsonb_typeof(metrics -> 'timer_rego_query_eval_ns') = 'number'
        THEN (metrics ->> 'timer_rego_query_eval_ns')::float8 END AS eval_ns
    FROM decisions
    WHERE ${inWindow(w)}`;
}
