import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { logger } from "@/lib/core/logger";
import { keysetFilterSql, readOnly, resolveRange } from "@/lib/decisions/decision-query";
import { copyDecisionRows } from "@/lib/decisions/copy-decision-rows";
import { SUMMARY_COLUMNS, toSummary, type Cursor, type SummaryRow } from "@/lib/decisions/decision-views";
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
  const stream =
    query.format === "csv" ? csvStream(filter, options.requestId) : ndjsonStream(filter, options.requestId);
  const stamp = `${filter.from.toISOString().slice(0, 16)}_${to.toISOString().slice(0, 16)}`.replaceAll(":", "");
  return {
    stream,
    fileName: `decisions_${stamp}.${query.format}`,
    contentType: query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
  };
}

function csvStream(filter: TDecisionFilter & { from: Date; to: Date }, requestId?: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: Cursor | null = null;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const rows = await readBatch(filter, cursor);
          const head = headerSent ? "" : `${CSV_HEADER.join(",")}\r\n`;
          headerSent = true;
          const body = rows.map(csvLine).join("");
          if (head || body) controller.enqueue(encoder.encode(head + body));
          if (rows.length < BATCH) return controller.close();
          const last = rows[rows.length - 1]!;
          cursor = { ts: last.ts, id: last.decision_id };
        } catch (error) {
          logger.error({ err: error, requestId }, "decision export failed mid-stream");
          controller.error(error);
        }
      },
    },
    { highWaterMark: 1 },
  );
}

const NEWLINE = Buffer.from("\n");

/**
 * NDJSON needs no conversion: the lines come serialised from PostgreSQL (binary COPY in keyset
 * batches), and each received chunk of rows is handed on as it is. Reading waits whenever the
 * client has not taken the previous chunk.
 */
function ndjsonStream(
  filter: TDecisionFilter & { from: Date; to: Date },
  requestId?: string,
): ReadableStream<Uint8Array> {
  let wake: (() => void) | null = null;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        copyDecisionRows(filter, {
          limit: Number.POSITIVE_INFINITY,
          columns: () => "",
          onRows: async (rows) => {
            if (cancelled) throw new Error("the client went away");
            const parts: Buffer[] = [];
            for (const row of rows) parts.push(row[0]!, NEWLINE);
            controller.enqueue(new Uint8Array(Buffer.concat(parts)));
            if ((controller.desiredSize ?? 0) <= 0) await new Promise<void>((resolve) => (wake = resolve));
          },
        }).then(
          () => {
            if (!cancelled) controller.close();
          },
          (error: unknown) => {
            if (cancelled) return;
            logger.error({ err: error, requestId }, "decision export failed mid-stream");
            controller.error(error);
          },
        );
      },
      pull() {
        wake?.();
        wake = null;
      },
      cancel() {
        cancelled = true;
        wake?.();
        wake = null;
      },
    },
    { highWaterMark: 1 },
  );
}

/** One keyset batch (newest first) of the decisions matching a filter, after the cursor. */
export async function readBatch(
  filter: TDecisionFilter & { from: Date; to: Date },
  cursor: Cursor | null,
): Promise<ExportRow[]> {
  const { where, params } = await keysetFilterSql(filter, cursor);
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
