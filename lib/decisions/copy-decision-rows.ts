import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { pool } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { keysetFilterSql, queryError } from "@/lib/decisions/decision-query";
import { RECEIVED_TEXT, TS_TEXT, type Cursor } from "@/lib/decisions/decision-views";
import type { TDecisionFilter } from "@/lib/decisions/schemas";

/**
 * One decision as a JSON object, serialised by PostgreSQL: the same keys, in the same order, as
 * `{...toSummary(row), input, result, labels, metrics, bundles, extra}` (its first key is always
 * the timestamp, then the decision id), and the stored JSON documents as their jsonb text, so that
 * no row is parsed and re-serialised in JavaScript.
 */
export const DECISION_JSON_SQL = `(SELECT row_to_json(x)::text FROM (SELECT ${TS_TEXT} AS "timestamp", d.decision_id AS "decisionId",
  d.path, CASE d.allowed WHEN true THEN 'allowed' WHEN false THEN 'denied' ELSE 'other' END AS outcome, d.caller, d.agent,
  coalesce(d.revisions, '{}') AS revisions, d.unpublished, ${RECEIVED_TEXT} AS "receivedAt",
  d.input, d.result, d.labels, d.metrics, d.bundles, d.extra) x)`;

/** Rows per COPY: each batch is one short read-only statement under the decision query timeout. */
export const COPY_BATCH = 20_000;
const FIRST_BATCH = 2_000;
const MIN_BATCH = 500;

/** One row: its fields as raw bytes (null for SQL NULL), views into the received chunk. */
export type CopyRow = Array<Buffer | null>;

/**
 * Reads the decisions matching a filter, newest first, as raw fields: the decision as JSON text
 * (DECISION_JSON_SQL) and then the fields of `columns`, a select list over `decisions d` (may be
 * empty). The keyset cursor of each batch is read from the last row's JSON. Each batch is one `COPY (SELECT …) TO STDOUT` in
 * binary format, so PostgreSQL streams bytes that are handed on without conversion; `onRows` gets
 * the rows of each received chunk, and the next chunk is read only once it has returned (so a slow
 * consumer holds PostgreSQL back instead of filling memory). `columns` may differ per batch.
 */
export async function copyDecisionRows(
  filter: TDecisionFilter & { from: Date; to: Date },
  options: {
    limit: number;
    columns: () => string;
    onRows: (rows: CopyRow[]) => void | Promise<void>;
    batch?: number;
  },
): Promise<number> {
  const largest = options.batch ?? COPY_BATCH;
  const timeoutMs = env().DECISION_QUERY_TIMEOUT_MS;
  let batch = Math.min(largest, FIRST_BATCH);
  let cursor: Cursor | null = null;
  let count = 0;
  while (count < options.limit) {
    const take = Math.min(batch, options.limit - count);
    const { where, params } = await keysetFilterSql(filter, cursor);
    const extra = options.columns();
    const select = `SELECT ${DECISION_JSON_SQL}${extra ? `, ${extra}` : ""} FROM decisions d
                     WHERE ${where.join(" AND ")} ORDER BY d."timestamp" DESC, d.decision_id DESC LIMIT ${take}`;
    const sql = `COPY (${inlineParams(select, params.values)}) TO STDOUT (FORMAT binary)`;
    let last: CopyRow | null = null;
    let read = 0;
    const started = performance.now();
    const client = await pool().connect();
    try {
      await client.query("BEGIN READ ONLY");
      await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
      const parser = new CopyBinaryParser();
      for await (const chunk of client.query(copyTo(sql))) {
        const rows = parser.push(chunk as Buffer);
        if (rows.length === 0) continue;
        read += rows.length;
        last = rows[rows.length - 1]!;
        await options.onRows(rows);
      }
      await client.query("COMMIT");
      client.release();
    } catch (error) {
      // A COPY left unfinished leaves the connection mid-protocol: it is closed, not given back.
      client.release(error as Error);
      throw queryError(error);
    }
    count += read;
    // The timeout also runs while PostgreSQL waits for a slow reader: batches start small, double
    // while each takes under a quarter of it, and shrink to that when the reader falls behind.
    const elapsed = performance.now() - started;
    batch =
      elapsed > timeoutMs / 4
        ? Math.max(MIN_BATCH, Math.floor((batch * timeoutMs) / 4 / elapsed))
        : Math.min(largest, batch * 2);
    if (read < take || !last) break;
    const { timestamp, decisionId } = JSON.parse((last as CopyRow)[0]!.toString("utf8"));
    cursor = { ts: timestamp, id: decisionId };
  }
  return count;
}

// COPY takes no bind parameters, so the filter's values are written into the statement as quoted
// literals (pg's own escapeLiteral), exactly as node-postgres would have sent them as text parameters.
const { escapeLiteral } = pg;

function inlineParams(sql: string, values: unknown[]): string {
  return sql.replace(/\$(\d+)(?!\d)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    return value === null || value === undefined ? "NULL" : escapeLiteral(asText(value));
  });
}

function asText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value))
    return `{${value.map((v) => `"${asText(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(",")}}`;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  throw new Error(`cannot write a ${typeof value} into a COPY statement`);
}

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/**
 * PostgreSQL's binary COPY format: an 11-byte signature, flags and a header extension, then per
 * row a 16-bit field count and each field as a 32-bit length (-1: NULL) and its bytes; a field
 * count of -1 ends the data. Rows may straddle chunks; what is left over waits for the next one.
 */
export class CopyBinaryParser {
  private rest: Buffer | null = null;
  private headerRead = false;

  push(chunk: Buffer): CopyRow[] {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    if (!this.headerRead) {
      if (buf.length < 19) {
        this.rest = buf;
        return [];
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error("not a binary COPY stream");
      const extension = buf.readUInt32BE(15);
      if (buf.length < 19 + extension) {
        this.rest = buf;
        return [];
      }
      at = 19 + extension;
      this.headerRead = true;
    }
    const rows: CopyRow[] = [];
    while (at + 2 <= buf.length) {
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        at += 2;
        break;
      }
      let p = at + 2;
      const row: CopyRow = new Array(fields);
      let complete = true;
      for (let f = 0; f < fields; f++) {
        if (p + 4 > buf.length) {
          complete = false;
          break;
        }
        const length = buf.readInt32BE(p);
        p += 4;
        if (length === -1) {
          row[f] = null;
          continue;
        }
        if (p + length > buf.length) {
          complete = false;
          break;
        }
        row[f] = buf.subarray(p, p + length);
        p += length;
      }
      if (!complete) break;
      rows.push(row);
      at = p;
    }
    if (at < buf.length) this.rest = buf.subarray(at);
    return rows;
  }
}
