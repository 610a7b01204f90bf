import { pool } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { buildDecisionRows, parseBatch } from "@/lib/decisions/build-decision-rows";
import { ensureDecisionPartitions, forgetDecisionPartitions } from "@/lib/decisions/decision-partitions";
import { publishedRevisionChecker, revisionRefsOf } from "@/lib/decisions/provenance";
import { retentionCutoffDay } from "@/lib/decisions/retention";
import { agentIdentity } from "@/lib/agents/record-agent-status";

/** Who uploads: the agent credential that authenticated the request (null only in tests and benchmarks' baselines). */
export type UploadingAgent = { credentialId: string | null };
export type IngestResult = { received: number; stored: number; duplicates: number; expired: number };

const MAX_FUTURE_MS = 24 * 3600_000;
const NO_PARTITION = "23514";

// One statement, so one transaction: the rows and their hourly rollups are committed together or
// not at all. ON CONFLICT DO NOTHING makes a retried upload a no-op, and only the rows actually
// inserted (RETURNING) are added to the rollups. Rollup rows are upserted in key order so that
// concurrent batches lock them in the same order.
const INSERT_BATCH_SQL = `
WITH batch AS (
  SELECT * FROM json_to_recordset($1::json) AS r(
    "timestamp" timestamptz, decision_id text, path text, allowed boolean, caller text, agent text,
    credential_id uuid, revisions text[], unpublished boolean, bundles jsonb, input jsonb, result jsonb,
    labels jsonb, metrics jsonb, extra jsonb)
), inserted AS (
  INSERT INTO decisions ("timestamp", decision_id, path, allowed, caller, agent, credential_id, revisions,
                         unpublished, bundles, input, result, labels, metrics, extra)
  SELECT "timestamp", decision_id, path, allowed, caller, agent, credential_id, revisions,
         unpublished, bundles, input, result, labels, metrics, extra
  FROM batch
  ON CONFLICT DO NOTHING
  RETURNING "timestamp", path, agent, revisions, allowed, unpublished
), rolled AS (
  INSERT INTO decision_rollups (bucket, path, agent, revisions, outcome, unpublished, count)
  SELECT date_trunc('hour', "timestamp", 'UTC'), coalesce(path, ''), agent, revisions,
         CASE allowed WHEN true THEN 'allowed' WHEN false THEN 'denied' ELSE 'other' END, unpublished, count(*)
  FROM inserted
  GROUP BY 1, 2, 3, 4, 5, 6
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (bucket, path, agent, revisions, outcome, unpublished)
  DO UPDATE SET count = decision_rollups.count + excluded.count
)
SELECT count(*)::int AS stored FROM inserted`;

/**
 * Stores one decision-log upload from an OPA agent: parse, validate every event, then a single
 * all-or-nothing insert. Resolves only after the commit, so a 2xx really means "stored"; when the
 * database is down the error maps to 503 and OPA keeps the batch and retries.
 */
export async function ingestDecisionBatch(options: { agent: UploadingAgent; body: Buffer; now?: number }): Promise<IngestResult> {
  const events = parseBatch(options.body);
  const now = options.now ?? Date.now();
  const { rows, days, expired } = buildDecisionRows(events, {
    agent: { credentialId: options.agent.credentialId, identify: (labels) => agentIdentity(labels).identity },
    now,
    oldestDay: retentionCutoffDay(now, env().DECISION_RETENTION_DAYS),
    maxFutureMs: MAX_FUTURE_MS,
    maxEventBytes: env().DECISION_LOG_MAX_EVENT_BYTES,
    isPublished: await publishedRevisionChecker(revisionRefsOf(events)),
  });
  if (rows.length === 0) return { received: events.length, stored: 0, duplicates: 0, expired };
  const stored = await insertRows(rows, days);
  return { received: events.length, stored, duplicates: rows.length - stored, expired };
}

async function insertRows(rows: string[], days: Set<string>): Promise<number> {
  const batch = `[${rows.join(",")}]`;
  for (let attempt = 0; ; attempt++) {
    await ensureDecisionPartitions(pool(), days);
    try {
      const { rows: result } = await pool().query<{ stored: number }>(INSERT_BATCH_SQL, [batch]);
      return result[0]!.stored;
    } catch (error) {
      // Another instance's retention job may have dropped a partition this process remembered.
      if ((error as { code?: string }).code === NO_PARTITION && attempt === 0) {
        forgetDecisionPartitions();
        continue;
      }
      if ((error as { code?: string }).code === NO_PARTITION) {
        throw new AppError("unprocessable", "No partition exists for some of these decisions", { cause: error });
      }
      throw error;
    }
  }
}
