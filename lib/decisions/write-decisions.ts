import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pool } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { DECISION_COPY_COLUMN_LIST } from "@/lib/decisions/copy-format";
import { ensureDecisionPartitions, forgetDecisionPartitions } from "@/lib/decisions/decision-partitions";
import type { DecisionRow } from "@/lib/decisions/build-decision-rows";

// Group commit for decision-log uploads. Each upload is one all-or-nothing batch, and its 2xx
// must mean "committed"; but one small transaction per upload spends PostgreSQL's time on
// commits and index contention rather than rows. So uploads that arrive while a transaction is
// being written wait for the next one, which takes them all in one COPY and one commit.
// Should that COPY fail on a row (an upload repeating rows already stored, as OPA does when it
// retries after a timeout or a crash; a value PostgreSQL refuses), the group is written again
// upload by upload, each under its own savepoint: a repeated upload is then inserted with
// ON CONFLICT DO NOTHING, so it is stored exactly once, and a bad one is refused alone.

const MAX_GROUP_ROWS = 20_000;
const UNIQUE_VIOLATION = "23505";
const DEADLOCK = "40P01";
const NO_PARTITION = "23514";
const DATA_EXCEPTION_CLASS = "22";

type Upload = {
  rows: DecisionRow[];
  days: Set<string>;
  queuedAt: number;
  resolve: (written: WrittenUpload) => void;
  reject: (error: unknown) => void;
};

/** How many rows were new, and where the upload's time went: waiting for a writer, then its group's transaction. */
export type WrittenUpload = { stored: number; queuedMs: number; writeMs: number };

// Two writers: while one transaction commits, the next group is already being copied, so that
// neither this process nor PostgreSQL waits for the other.
const WRITERS = 2;

const queue: Upload[] = [];
let writers = 0;

/** Stores the rows of one upload, all or nothing; resolves with how many were new once committed. */
export function writeDecisions(rows: DecisionRow[], days: Set<string>): Promise<WrittenUpload> {
  return new Promise((resolve, reject) => {
    queue.push({ rows, days, queuedAt: performance.now(), resolve, reject });
    if (writers < WRITERS) void drain();
  });
}

async function drain(): Promise<void> {
  writers += 1;
  try {
    while (queue.length > 0) await writeGroup(takeGroup());
  } finally {
    writers -= 1;
  }
}

function takeGroup(): Upload[] {
  const group: Upload[] = [queue.shift()!];
  let rows = group[0]!.rows.length;
  while (queue.length > 0 && rows + queue[0]!.rows.length <= MAX_GROUP_ROWS) {
    rows += queue[0]!.rows.length;
    group.push(queue.shift()!);
  }
  return group;
}

async function writeGroup(group: Upload[]): Promise<void> {
  let client: pg.PoolClient | undefined;
  let broken: Error | undefined;
  const outcomes = new Map<Upload, number | AppError>();
  const startedAt = performance.now();
  try {
    await ensureDecisionPartitions(
      pool(),
      group.flatMap((u) => [...u.days]),
    );
    client = await pool().connect();
    if (await writeAtOnce(client, group)) {
      for (const upload of group) outcomes.set(upload, upload.rows.length);
    } else {
      await writeUploadByUpload(client, group, outcomes);
    }
  } catch (error) {
    broken = error as Error;
    await client?.query("ROLLBACK").catch(() => {});
    for (const upload of group) upload.reject(error);
    return;
  } finally {
    client?.release(broken);
  }
  const committedAt = performance.now();
  for (const upload of group) {
    const result = outcomes.get(upload)!;
    if (result instanceof AppError) upload.reject(result);
    else upload.resolve({ stored: result, queuedMs: startedAt - upload.queuedAt, writeMs: committedAt - startedAt });
  }
}

/** The whole group in one COPY; false (rolled back) when a row refused it. */
async function writeAtOnce(client: pg.PoolClient, group: Upload[]): Promise<boolean> {
  const rows = group.length === 1 ? group[0]!.rows : group.flatMap((u) => u.rows);
  await client.query("BEGIN");
  try {
    await copyRows(client, "decisions", rows);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    if (isRowError(error)) return false;
    throw error;
  }
  await addToRollups(client, rows);
  await client.query("COMMIT");
  return true;
}

function isRowError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? "";
  return (
    code === UNIQUE_VIOLATION || code === DEADLOCK || code === NO_PARTITION || code.startsWith(DATA_EXCEPTION_CLASS)
  );
}

/** Each upload under its own savepoint, after the whole group was refused on some row. */
async function writeUploadByUpload(
  client: pg.PoolClient,
  group: Upload[],
  outcomes: Map<Upload, number | AppError>,
): Promise<void> {
  await client.query("BEGIN");
  const inserted: DecisionRow[] = [];
  for (const upload of group) {
    const outcome = await writeUpload(client, upload);
    if (outcome instanceof AppError) outcomes.set(upload, outcome);
    else {
      outcomes.set(upload, outcome.length);
      inserted.push(...outcome);
    }
  }
  await addToRollups(client, inserted);
  await client.query("COMMIT");
}

/**
 * COPY the upload under a savepoint; on a repeated row, insert it again skipping what is stored.
 * Returns the rows that were inserted (for the rollups), or the error that refuses this upload.
 */
async function writeUpload(client: pg.PoolClient, upload: Upload): Promise<DecisionRow[] | AppError> {
  await client.query("SAVEPOINT upload");
  try {
    await copyRows(client, "decisions", upload.rows);
    return upload.rows;
  } catch (error) {
    await client.query("ROLLBACK TO SAVEPOINT upload");
    const code = (error as { code?: string }).code ?? "";
    if (code === UNIQUE_VIOLATION || code === DEADLOCK) return insertSkippingStored(client, upload.rows);
    if (code === NO_PARTITION) {
      // Another instance's retention job dropped a partition this process remembered: OPA retries.
      forgetDecisionPartitions();
      return new AppError("service_unavailable", "A decision partition was just dropped; retry the upload", {
        cause: error,
      });
    }
    if (code.startsWith(DATA_EXCEPTION_CLASS)) {
      return new AppError("unprocessable", "The batch holds a value PostgreSQL cannot store; nothing was stored", {
        cause: error,
      });
    }
    throw error;
  }
}

async function copyRows(client: pg.PoolClient, table: string, rows: DecisionRow[]): Promise<void> {
  // One chunk for the whole upload: the stream sends a protocol message (and a socket write) per chunk.
  const data = Buffer.from(rows.map((r) => r.copyLine).join(""));
  await pipeline(
    Readable.from([data]),
    client.query(copyFrom(`COPY ${table} (${DECISION_COPY_COLUMN_LIST}) FROM STDIN`)),
  );
}

// The slow path: through a temporary table, then INSERT … ON CONFLICT DO NOTHING. RETURNING says
// which rows were new, so that only those are counted in the rollups.
const INSERT_STAGED_SQL = `
INSERT INTO decisions (${DECISION_COPY_COLUMN_LIST})
SELECT ${DECISION_COPY_COLUMN_LIST} FROM decision_uploads
ON CONFLICT DO NOTHING
RETURNING to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestamp", decision_id`;

async function insertSkippingStored(client: pg.PoolClient, rows: DecisionRow[]): Promise<DecisionRow[]> {
  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS decision_uploads (LIKE decisions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
  );
  await client.query("TRUNCATE decision_uploads");
  await copyRows(client, "decision_uploads", rows);
  const { rows: stored } = await client.query<{ timestamp: string; decision_id: string }>(INSERT_STAGED_SQL);
  // A row repeated within the upload is inserted once: take each key once.
  const keyOf = (timestamp: string, id: string) => `${timestamp} ${id}`;
  const fresh = new Set(stored.map((r) => keyOf(r.timestamp, r.decision_id)));
  return rows.filter((row) => fresh.delete(keyOf(row.timestamp, row.decisionId)));
}

// Rollup rows are upserted in key order, so that concurrent transactions lock them in the same order.
const UPSERT_ROLLUPS_SQL = `
INSERT INTO decision_rollups (bucket, path, agent, revisions, outcome, unpublished, count)
SELECT bucket, path, agent, revisions, outcome, unpublished, count
FROM json_to_recordset($1::json) AS r(bucket timestamptz, path text, agent text, revisions text[], outcome text, unpublished boolean, count bigint)
ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT (bucket, path, agent, revisions, outcome, unpublished)
DO UPDATE SET count = decision_rollups.count + excluded.count`;

/** Adds the rows inserted by this transaction to the hourly counts, in the same transaction. */
async function addToRollups(client: pg.PoolClient, rows: DecisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const counts = new Map<
    string,
    {
      bucket: string;
      path: string;
      agent: string;
      revisions: string[];
      outcome: string;
      unpublished: boolean;
      count: number;
    }
  >();
  for (const row of rows) {
    const bucket = `${row.timestamp.slice(0, 13)}:00:00Z`;
    const outcome = row.allowed === true ? "allowed" : row.allowed === false ? "denied" : "other";
    const path = row.path ?? "";
    const key = JSON.stringify([bucket, path, row.agent, row.revisions, outcome, row.unpublished]);
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else
      counts.set(key, {
        bucket,
        path,
        agent: row.agent,
        revisions: row.revisions,
        outcome,
        unpublished: row.unpublished,
        count: 1,
      });
  }
  await client.query(UPSERT_ROLLUPS_SQL, [JSON.stringify([...counts.values()])]);
}
