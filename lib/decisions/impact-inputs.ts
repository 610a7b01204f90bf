import type pg from "pg";
import { likePrefix } from "@/lib/decisions/decision-query";
import { packageSegments } from "@/lib/rego/rego-package";

export type RecordedInput = {
  path: string;
  input: unknown;
  hasInput: boolean;
  /** The newest decision made on this input, as recorded. */
  allowed: boolean | null;
  result: unknown;
  decisionId: string;
  timestamp: string;
  /** How many recorded decisions had exactly this (path, input). */
  count: number;
};

/**
 * The distinct (path, input) pairs of recent decisions under the given packages, newest first,
 * at most `cap`. The paths come from the hourly rollups; each is then read newest first through
 * the (path, timestamp) index, at most `cap × 5` rows per path, so the cost is bounded whatever
 * the table size.
 */
export async function recentDistinctInputs(
  client: pg.ClientBase,
  options: { packages: string[]; from: Date; cap: number },
): Promise<{ inputs: RecordedInput[]; truncated: boolean; paths: string[] }> {
  const prefixes = options.packages.map((p) => likePrefix(`${packageSegments(p).join("/")}/`));
  const { rows: pathRows } = await client.query<{ path: string }>(
    "SELECT DISTINCT path FROM decision_rollups WHERE bucket >= date_trunc('hour', $1::timestamptz, 'UTC') AND path LIKE ANY($2::text[]) ORDER BY path",
    [options.from, prefixes],
  );
  const paths = pathRows.map((r) => r.path);
  if (paths.length === 0) return { inputs: [], truncated: false, paths };
  const { rows } = await client.query<{
    path: string;
    input: unknown;
    has_input: boolean;
    allowed: boolean | null;
    result: unknown;
    decision_id: string;
    ts: string;
    n: string;
  }>(
    `WITH recent AS (
       SELECT p.path, d.input, d.allowed, d.result, d.decision_id, d."timestamp"
         FROM unnest($1::text[]) AS p(path)
         CROSS JOIN LATERAL (
           SELECT * FROM decisions d WHERE d.path = p.path AND d."timestamp" >= $2 ORDER BY d."timestamp" DESC LIMIT $3
         ) d
     )
     SELECT path, input, input IS NOT NULL AS has_input,
            (array_agg(allowed ORDER BY "timestamp" DESC))[1] AS allowed,
            (array_agg(result ORDER BY "timestamp" DESC))[1] AS result,
            (array_agg(decision_id ORDER BY "timestamp" DESC))[1] AS decision_id,
            to_char(max("timestamp") AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts,
            count(*)::text AS n
       FROM recent GROUP BY path, input ORDER BY max("timestamp") DESC LIMIT $4`,
    [paths, options.from, options.cap * 5, options.cap + 1],
  );
  return {
    inputs: rows.slice(0, options.cap).map((r) => ({
      path: r.path,
      input: r.input,
      hasInput: r.has_input,
      allowed: r.allowed,
      result: r.result,
      decisionId: r.decision_id,
      timestamp: r.ts,
      count: Number(r.n),
    })),
    truncated: rows.length > options.cap,
    paths,
  };
}
