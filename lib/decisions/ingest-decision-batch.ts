import { env } from "@/lib/core/env";
import { buildDecisionRows, parseBatch } from "@/lib/decisions/build-decision-rows";
import { writeDecisions } from "@/lib/decisions/write-decisions";
import { publishedRevisionChecker, revisionRefsOf } from "@/lib/decisions/provenance";
import { retentionCutoffDay } from "@/lib/decisions/retention";
import { agentIdentity } from "@/lib/agents/agent-identity";

/** Who uploads: the agent credential that authenticated the request (null only in tests and benchmarks' baselines). */
export type UploadingAgent = { credentialId: string | null };
export type IngestResult = { received: number; stored: number; duplicates: number; expired: number };
/** Where an upload's time went on this instance, in ms (for the Server-Timing header). */
export type IngestTiming = { parseMs: number; queuedMs: number; writeMs: number };

const MAX_FUTURE_MS = 24 * 3600_000;

/**
 * Stores one decision-log upload from an OPA agent: parse, validate every event, then an
 * all-or-nothing write (see write-decisions.ts). Resolves only after the commit, so a 2xx really
 * means "stored"; when the database is down the error maps to 503 and OPA keeps the batch and retries.
 */
export async function ingestDecisionBatch(options: {
  agent: UploadingAgent;
  body: Buffer;
  now?: number;
  timing?: IngestTiming;
}): Promise<IngestResult> {
  const started = performance.now();
  const { rows, days, expired, received } = await buildRows(options);
  if (options.timing) options.timing.parseMs = performance.now() - started;
  if (rows.length === 0) return { received, stored: 0, duplicates: 0, expired };
  const { stored, queuedMs, writeMs } = await writeDecisions(rows, days);
  if (options.timing) Object.assign(options.timing, { queuedMs, writeMs });
  return { received, stored, duplicates: rows.length - stored, expired };
}

// Its own function so that the parsed events (most of an upload's memory) are garbage once the
// rows exist, rather than kept alive while the upload waits for its commit.
async function buildRows(options: { agent: UploadingAgent; body: Buffer; now?: number }) {
  const batch = parseBatch(options.body);
  const now = options.now ?? Date.now();
  const built = buildDecisionRows(batch, {
    agent: { credentialId: options.agent.credentialId, identify: (labels) => agentIdentity(labels).identity },
    now,
    oldestDay: retentionCutoffDay(now, env().DECISION_RETENTION_DAYS),
    maxFutureMs: MAX_FUTURE_MS,
    maxEventBytes: env().DECISION_LOG_MAX_EVENT_BYTES,
    isPublished: await publishedRevisionChecker(revisionRefsOf(batch.events)),
  });
  return { ...built, received: batch.events.length };
}
