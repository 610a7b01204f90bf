import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { logger } from "@/lib/core/logger";
import { buildFilterSql, readOnly, resolveRange } from "@/lib/decisions/decision-query";
import {
  SUMMARY_COLUMNS,
  toSummary,
  type Cursor,
  type DecisionSummary,
  type SummaryRow,
} from "@/lib/decisions/decision-views";
import type { TDecisionFilter, TExportDecisionsQuery } from "@/lib/decisions/schemas";

export const BATCH = 2_000;
const CSV_HEADER = [
  "timestamp",
  "decision_id",
  "path",
  "outcome",
  "caller",
  "agent",
  "revisions",
  "unpublished",
  "received_at",
  "input",
  "result",
];

export type ExportRow = SummaryRow & {
  input: unknown;
  result: unknown;
  labels: unknown;
  metrics: unknown;
  bundles: unknown;
  extra: unknown;
};

export type DecisionExport = { stream: ReadableStream<Uint8Array>; fileName: string; contentType: string };

/**
 * Streams every decision matching the filter as CSV or NDJSON, newest first. Rows are read in
 * keyset batches (short queries, no long-held cursor or transaction), and the next batch is read
 * only when the client has taken the previous one, so memory stays flat for millions of rows.
 * The end of the range is fixed when the export starts. The export is recorded in the audit trail
 * before the first byte is sent.
 */
export async function exportDecisions(options: {
  actor: Actor;
  query: TExportDecisionsQuery;
  requestId?: string;
  now?: number;
}): Promise<DecisionExport> {
  requirePermission(options.actor, "decision:export");
  const { query } = options;
  const now = options.now ?? Date.now();
  const range = resolveRange(query, now);
  const to = range.to ?? new Date(now);
  const filter = { ...query, from: range.from, to };
  await db.$transaction((tx) =>
    recordAuditEvent(tx, {
      actor: options.actor,
      action: "decisions.export",
      target: { type: "decisions" },
      after: { format: query.format, filter: describeFilter(filter) },
      requestId: options.requestId,
    }),
  );
  const encoder = new TextEncoder();
  let cursor: Cursor | null = null;
  let headerSent = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const rows = await readBatch(filter, cursor);
          const head = query.format === "csv" && !headerSent ? `${CSV_HEADER.join(",")}\r\n` : "";
          headerSent = true;
          const body = rows.map((r) => (query.format === "csv" ? csvLine(r) : ndjsonLine(r))).join("");
          if (head || body) controller.enqueue(encoder.encode(head + body));
          if (rows.length < BATCH) return controller.close();
          const last = rows[rows.length - 1]!;
          cursor = { ts: last.ts, id: last.decision_id };
        } catch (error) {
          logger.error({ err: error, requestId: options.requestId }, "decision export failed mid-stream");
          controller.error(error);
        }
      },
    },
    { highWaterMark: 1 },
  );
  const stamp = `${filter.from.toISOString().slice(0, 16)}_${to.toISOString().slice(0, 16)}`.replaceAll(":", "");
  return {
    stream,
    fileName: `decisions_${stamp}.${query.format}`,
    contentType: query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
  };
}

/** One keyset batch (newest first) of the decisions matching a filter, after the cursor. */
export async function readBatch(
  filter: TDecisionFilter & { from: Date; to: Date },
  cursor: Cursor | null,
): Promise<ExportRow[]> {
  const { where, params } = await buildFilterSql(filter, { from: filter.from, to: filter.to });
  if (cursor) {
    const ts = params.add(cursor.ts);
    where.push(
      `d."timestamp" <= ${ts}::timestamptz`,
      `(d."timestamp", d.decision_id) < (${ts}::timestamptz, ${params.add(cursor.id)})`,
    );
  }
  const sql = `SELECT ${SUMMARY_COLUMNS}, d.input, d.result, d.labels, d.metrics, d.bundles, d.extra FROM decisions d
                WHERE ${where.join(" AND ")} ORDER BY d."timestamp" DESC, d.decision_id DESC LIMIT ${BATCH}`;
  return readOnly(async (client) => (await client.query<ExportRow>(sql, params.values)).rows);
}

function describeFilter(filter: TExportDecisionsQuery & { from: Date; to: Date }): Record<string, unknown> {
  const { format: _format, ...rest } = filter;
  return Object.fromEntries(
    Object.entries(rest)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}

function ndjsonLine(row: ExportRow): string {
  const s: DecisionSummary = toSummary(row);
  return `${JSON.stringify({ ...s, input: row.input, result: row.result, labels: row.labels, metrics: row.metrics, bundles: row.bundles, extra: row.extra })}\n`;
}

function csvLine(row: ExportRow): string {
  const s = toSummary(row);
  const cells = [
    s.timestamp,
    s.decisionId,
    s.path ?? "",
    s.outcome,
    s.caller ?? "",
    s.agent,
    s.revisions.join(" "),
    String(s.unpublished),
    s.receivedAt,
    row.input === null ? "" : JSON.stringify(row.input),
    row.result === null ? "" : JSON.stringify(row.result),
  ];
  return `${cells.map(csvCell).join(",")}\r\n`;
}

// RFC 4180 quoting. Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a
// leading apostrophe (OWASP CSV injection advice): agents control these strings. NDJSON is exact.
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replaceAll('"', '""')}"` : safe;
}
