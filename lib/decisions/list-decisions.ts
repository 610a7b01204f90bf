import { requirePermission, type Actor } from "@/lib/auth/actor";
import { buildFilterSql, readOnly, resolveRange } from "@/lib/decisions/decision-query";
import {
  SUMMARY_COLUMNS,
  decodeCursor,
  encodeCursor,
  toSummary,
  type DecisionSummary,
  type SummaryRow,
} from "@/lib/decisions/decision-views";
import type { TListDecisionsQuery, TTailDecisionsQuery } from "@/lib/decisions/schemas";

export type DecisionPage = { items: DecisionSummary[]; nextCursor: string | null };

/**
 * Newest first, keyset-paginated on (timestamp, decision_id) — the primary key's order, so a
 * page is an index range scan whatever the table size; never OFFSET.
 */
export async function listDecisions(options: {
  actor: Actor;
  query: TListDecisionsQuery;
  now?: number;
}): Promise<DecisionPage> {
  requirePermission(options.actor, "decision:read");
  const { query } = options;
  const range = resolveRange(query, options.now);
  const { where, params } = await buildFilterSql(query, range);
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    const ts = params.add(c.ts);
    // The plain bound lets the planner prune partitions; the row comparison is the exact keyset.
    where.push(
      `d."timestamp" <= ${ts}::timestamptz`,
      `(d."timestamp", d.decision_id) < (${ts}::timestamptz, ${params.add(c.id)})`,
    );
  }
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM decisions d WHERE ${where.join(" AND ")}
                ORDER BY d."timestamp" DESC, d.decision_id DESC LIMIT ${params.add(query.limit + 1)}`;
  const rows = await readOnly(async (client) => (await client.query<SummaryRow>(sql, params.values)).rows);
  const page = rows.slice(0, query.limit).map(toSummary);
  const last = page[page.length - 1];
  return {
    items: page,
    nextCursor: rows.length > query.limit && last ? encodeCursor({ ts: last.timestamp, id: last.decisionId }) : null,
  };
}

export type TailPage = { items: DecisionSummary[]; watermark: string };

// Live tail follows arrival (received_at), not decision time: OPA uploads in batches every few
// seconds, so an older decision may arrive after a newer one. Rows are re-read with a few seconds
// of overlap (a batch's received_at is its transaction start, which may precede an earlier
// commit); the browser drops the ones it already shows.
const TAIL_OVERLAP_MS = 5_000;
const TAIL_LOOKBACK_MS = 10 * 60_000;

export async function tailDecisions(options: {
  actor: Actor;
  query: TTailDecisionsQuery;
  now?: number;
}): Promise<TailPage> {
  requirePermission(options.actor, "decision:read");
  const now = options.now ?? Date.now();
  const watermark = new Date(now);
  const since = options.query.since ?? new Date(now - TAIL_LOOKBACK_MS);
  const from = new Date(Math.max(now - TAIL_LOOKBACK_MS, options.query.from?.getTime() ?? 0));
  const { where, params } = await buildFilterSql(options.query, { from, to: options.query.to ?? null });
  where.push(`d.received_at >= ${params.add(new Date(since.getTime() - TAIL_OVERLAP_MS))}`);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM decisions d WHERE ${where.join(" AND ")}
                ORDER BY d.received_at DESC, d."timestamp" DESC LIMIT ${params.add(options.query.limit)}`;
  const rows = await readOnly(async (client) => (await client.query<SummaryRow>(sql, params.values)).rows);
  return { items: rows.map(toSummary), watermark: watermark.toISOString() };
}
