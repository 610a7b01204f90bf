import type pg from "pg";
import { pool } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { AppError } from "@/lib/core/errors";
import { MatchSyntaxError, SqlParams, matchConditionSql, parseMatchExpression } from "@/lib/decisions/match-expression";
import type { TDecisionFilter } from "@/lib/decisions/schemas";
import type { Cursor } from "@/lib/decisions/decision-views";

export const DEFAULT_RANGE_MS = 24 * 3600_000;
const QUERY_CANCELED = "57014";

export type TimeRange = { from: Date; to: Date | null };

/** The filter's time range: the last 24 hours unless given; an open end includes late arrivals. */
export function resolveRange(filter: TDecisionFilter, now = Date.now()): TimeRange {
  return { from: filter.from ?? new Date(now - DEFAULT_RANGE_MS), to: filter.to ?? null };
}

/** LIKE pattern for "starts with", with the wildcard characters in the prefix escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export type FilterSql = { where: string[]; params: SqlParams };

/**
 * The WHERE conditions (on `decisions d`) for a filter. Every value is a bind parameter, including
 * the parsed JSON-path match. A revision filter also narrows the time range to the hours in which
 * that revision decided anything (from the rollups), so the scan touches only those partitions.
 */
export async function buildFilterSql(
  filter: TDecisionFilter,
  range: TimeRange,
  params = new SqlParams(),
): Promise<FilterSql> {
  const where: string[] = [];
  let { from, to } = range;
  if (filter.revision) {
    const span = await revisionSpan(filter.revision, from, to);
    if (!span) where.push("false");
    else {
      from = new Date(Math.max(from.getTime(), span.first.getTime()));
      to = to ? new Date(Math.min(to.getTime(), span.last.getTime())) : span.last;
    }
    where.push(`d.revisions @> ARRAY[${params.add(filter.revision)}]::text[]`);
  }
  where.push(`d."timestamp" >= ${params.add(from)}`);
  if (to) where.push(`d."timestamp" < ${params.add(to)}`);
  if (filter.outcome === "allowed") where.push("d.allowed = true");
  else if (filter.outcome === "denied") where.push("d.allowed = false");
  else if (filter.outcome === "other") where.push("d.allowed IS NULL");
  if (filter.path) where.push(`d.path = ${params.add(normalisePath(filter.path))}`);
  if (filter.caller) where.push(`d.caller LIKE ${params.add(likePrefix(filter.caller))}`);
  if (filter.agent) where.push(`d.agent = ${params.add(filter.agent)}`);
  if (filter.decisionId) where.push(`d.decision_id = ${params.add(filter.decisionId)}`);
  if (filter.unpublished !== undefined) where.push(`d.unpublished = ${params.add(filter.unpublished)}`);
  if (filter.match) {
    for (const condition of parseMatch(filter.match)) where.push(matchConditionSql(condition, params));
  }
  return { where, params };
}

/** Auditors may type a decision path as OPA logs it (authz/allow) or as a query (data.authz.allow). */
export function normalisePath(path: string): string {
  const trimmed = path.trim().replace(/^\/+|\/+$/g, "");
  return trimmed.startsWith("data.") ? trimmed.slice(5).replaceAll(".", "/") : trimmed;
}

export function parseMatch(source: string) {
  try {
    return parseMatchExpression(source);
  } catch (error) {
    if (error instanceof MatchSyntaxError) {
      throw new AppError("validation_failed", `The match expression is invalid: ${error.message}`, {
        fieldErrors: [{ path: "query.match", message: error.message }],
      });
    }
    throw error;
  }
}

async function revisionSpan(
  revision: string,
  from: Date,
  to: Date | null,
): Promise<{ first: Date; last: Date } | null> {
  const { rows } = await pool().query<{ first: Date | null; last: Date | null }>(
    `SELECT min(bucket) AS first, max(bucket) + interval '1 hour' AS last FROM decision_rollups
      WHERE revisions @> ARRAY[$1]::text[] AND bucket >= date_trunc('hour', $2::timestamptz, 'UTC') AND ($3::timestamptz IS NULL OR bucket < $3)`,
    [revision, from, to],
  );
  const span = rows[0];
  return span?.first && span.last ? { first: span.first, last: span.last } : null;
}

/**
 * Runs auditor queries read-only and bounded in time: a filter that would scan too much answers
 * with a clear 422 instead of holding a connection for minutes.
 */
export async function readOnly<T>(
  fn: (client: pg.PoolClient) => Promise<T>,
  timeoutMs = env().DECISION_QUERY_TIMEOUT_MS,
): Promise<T> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw queryError(error);
  } finally {
    client.release();
  }
}

/** A statement cancelled by the query timeout, as the clear 422 auditors get; other errors as they are. */
export function queryError(error: unknown): unknown {
  if ((error as { code?: string }).code === QUERY_CANCELED) {
    return new AppError(
      "unprocessable",
      "This search took too long; narrow the time range or add a more selective filter",
      {
        cause: error,
      },
    );
  }
  return error;
}

/** The WHERE terms of a filter, continued after the cursor (newest first: timestamp, then decision id). */
export async function keysetFilterSql(filter: TDecisionFilter & { from: Date; to: Date }, cursor: Cursor | null) {
  const sql = await buildFilterSql(filter, { from: filter.from, to: filter.to });
  if (cursor) {
    const ts = sql.params.add(cursor.ts);
    sql.where.push(
      `d."timestamp" <= ${ts}::timestamptz`,
      `(d."timestamp", d.decision_id) < (${ts}::timestamptz, ${sql.params.add(cursor.id)})`,
    );
  }
  return sql;
}
