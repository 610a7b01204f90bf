import type pg from "pg";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { SqlParams } from "@/lib/decisions/match-expression";
import { buildFilterSql, normalisePath, readOnly, resolveRange } from "@/lib/decisions/decision-query";
import type { TDecisionFilter } from "@/lib/decisions/schemas";

export type SeriesPoint = { t: string; allowed: number; denied: number; other: number };
export type DecisionStats = {
  from: string;
  to: string;
  bucketSeconds: number;
  totals: { all: number; allowed: number; denied: number; other: number };
  series: SeriesPoint[];
  topDeniedCallers: Array<{ caller: string; count: number }>;
  topPaths: Array<{ path: string; count: number; denied: number }>;
  /** "rollups" when the hourly counts answered, "scan" when the filter needed the rows themselves. */
  source: "rollups" | "scan";
};

const HOUR = 3600_000;
const ROLLUP_MIN_RANGE = 6 * HOUR;
const BUCKETS: Array<[number, number]> = [
  [HOUR, 60],
  [3 * HOUR, 300],
  [6 * HOUR, 600],
  [26 * HOUR, 3600],
  [4 * 24 * HOUR, 3 * 3600],
  [15 * 24 * HOUR, 6 * 3600],
  [Infinity, 24 * 3600],
];

function bucketSeconds(rangeMs: number, rollups: boolean): number {
  const seconds = BUCKETS.find(([limit]) => rangeMs <= limit)![1];
  return rollups ? Math.max(3600, seconds) : seconds;
}

/**
 * Totals, the allowed/denied series, top denied callers and top paths for the page's filter.
 * Over hours the hourly rollups answer (exact: they are written with the rows); partial hours at
 * either end, short ranges and filters the rollups cannot express (caller, JSON match, id) read
 * the rows themselves.
 */
export async function getDecisionStats(options: {
  actor: Actor;
  filter: TDecisionFilter;
  now?: number;
}): Promise<DecisionStats> {
  requirePermission(options.actor, "decision:read");
  const now = options.now ?? Date.now();
  const { filter } = options;
  const range = resolveRange(filter, now);
  const to = range.to ?? new Date(now);
  const rollups =
    to.getTime() - range.from.getTime() >= ROLLUP_MIN_RANGE && !filter.caller && !filter.match && !filter.decisionId;
  const bucket = bucketSeconds(to.getTime() - range.from.getTime(), rollups);
  // Whole hours come from the rollups; with an open end the current hour is whole too (nothing is newer).
  const hourFrom = new Date(Math.ceil(range.from.getTime() / HOUR) * HOUR);
  const hourTo = range.to
    ? new Date(Math.floor(to.getTime() / HOUR) * HOUR)
    : new Date(Math.ceil(now / HOUR) * HOUR + HOUR);
  return readOnly(async (client) => {
    const points = new Map<string, SeriesPoint>();
    const paths = new Map<string, { count: number; denied: number }>();
    if (rollups && hourFrom < hourTo) {
      await addRollups(client, filter, hourFrom, hourTo, bucket, points, paths);
      if (range.from < hourFrom)
        await addScan(client, filter, { from: range.from, to: hourFrom }, bucket, points, paths);
      if (range.to && hourTo < range.to)
        await addScan(client, filter, { from: hourTo, to: range.to }, bucket, points, paths);
    } else {
      await addScan(client, filter, range, bucket, points, paths);
    }
    const series = fillBuckets(points, range.from, to, bucket);
    const totals = series.reduce(
      (t, p) => ({
        all: t.all + p.allowed + p.denied + p.other,
        allowed: t.allowed + p.allowed,
        denied: t.denied + p.denied,
        other: t.other + p.other,
      }),
      { all: 0, allowed: 0, denied: 0, other: 0 },
    );
    return {
      from: range.from.toISOString(),
      to: to.toISOString(),
      bucketSeconds: bucket,
      totals,
      series,
      topDeniedCallers:
        filter.outcome && filter.outcome !== "denied" ? [] : await topDeniedCallers(client, filter, range),
      topPaths: [...paths.entries()]
        .map(([path, v]) => ({ path, ...v }))
        .sort((a, b) => b.count - a.count)
        .slice(0, 10),
      source: rollups ? "rollups" : "scan",
    };
  });
}

type Points = Map<string, SeriesPoint>;
type Paths = Map<string, { count: number; denied: number }>;
type CountRow = { t: Date; path: string; outcome: "allowed" | "denied" | "other"; n: string };

function accumulate(rows: CountRow[], points: Points, paths: Paths): void {
  for (const row of rows) {
    const key = row.t.toISOString();
    const point = points.get(key) ?? { t: key, allowed: 0, denied: 0, other: 0 };
    point[row.outcome] += Number(row.n);
    points.set(key, point);
    const p = paths.get(row.path) ?? { count: 0, denied: 0 };
    p.count += Number(row.n);
    if (row.outcome === "denied") p.denied += Number(row.n);
    paths.set(row.path, p);
  }
}

async function addRollups(
  client: pg.PoolClient,
  filter: TDecisionFilter,
  from: Date,
  to: Date,
  bucket: number,
  points: Points,
  paths: Paths,
): Promise<void> {
  const params = new SqlParams();
  const where = [`r.bucket >= ${params.add(from)}`, `r.bucket < ${params.add(to)}`];
  if (filter.outcome) where.push(`r.outcome = ${params.add(filter.outcome)}`);
  if (filter.path) where.push(`r.path = ${params.add(normalisePath(filter.path))}`);
  if (filter.agent) where.push(`r.agent = ${params.add(filter.agent)}`);
  if (filter.revision) where.push(`r.revisions @> ARRAY[${params.add(filter.revision)}]::text[]`);
  if (filter.unpublished !== undefined) where.push(`r.unpublished = ${params.add(filter.unpublished)}`);
  const { rows } = await client.query<CountRow>(
    `SELECT date_bin(${params.add(`${bucket} seconds`)}::interval, r.bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t,
            r.path, r.outcome, sum(r.count)::text AS n
       FROM decision_rollups r WHERE ${where.join(" AND ")} GROUP BY 1, 2, 3`,
    params.values,
  );
  accumulate(rows, points, paths);
}

async function addScan(
  client: pg.PoolClient,
  filter: TDecisionFilter,
  range: { from: Date; to: Date | null },
  bucket: number,
  points: Points,
  paths: Paths,
): Promise<void> {
  const { where, params } = await buildFilterSql(filter, range);
  const { rows } = await client.query<CountRow>(
    `SELECT date_bin(${params.add(`${bucket} seconds`)}::interval, d."timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t,
            coalesce(d.path, '') AS path,
            CASE d.allowed WHEN true THEN 'allowed' WHEN false THEN 'denied' ELSE 'other' END AS outcome, count(*)::text AS n
       FROM decisions d WHERE ${where.join(" AND ")} GROUP BY 1, 2, 3`,
    params.values,
  );
  accumulate(rows, points, paths);
}

async function topDeniedCallers(
  client: pg.PoolClient,
  filter: TDecisionFilter,
  range: { from: Date; to: Date | null },
): Promise<DecisionStats["topDeniedCallers"]> {
  const { where, params } = await buildFilterSql({ ...filter, outcome: "denied" }, range);
  const { rows } = await client.query<{ caller: string; n: string }>(
    `SELECT coalesce(d.caller, '') AS caller, count(*)::text AS n FROM decisions d WHERE ${where.join(" AND ")}
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 10`,
    params.values,
  );
  return rows.map((r) => ({ caller: r.caller, count: Number(r.n) }));
}

/** Every bucket of the range, empty ones included, oldest first. */
function fillBuckets(points: Points, from: Date, to: Date, bucket: number): SeriesPoint[] {
  const size = bucket * 1000;
  const origin = Date.UTC(2000, 0, 1);
  const first = origin + Math.floor((from.getTime() - origin) / size) * size;
  const series: SeriesPoint[] = [];
  for (let t = first; t < to.getTime() && series.length < 2000; t += size) {
    const key = new Date(t).toISOString();
    series.push(points.get(key) ?? { t: key, allowed: 0, denied: 0, other: 0 });
  }
  return series;
}
