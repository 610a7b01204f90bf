import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { readLogBody } from "@/lib/decisions/read-log-body";
import {
  ingestDecisionBatch,
  type IngestResult,
  type IngestTiming,
  type UploadingAgent,
} from "@/lib/decisions/ingest-decision-batch";

export type UploadTiming = IngestTiming & { readMs: number };

/**
 * The body of POST /api/opa/logs once the agent is authenticated: read (bounded, streamed),
 * validate, store; returns once committed, with what was stored (OPA ignores the answer's body; it is for people)
 * and where the time went.
 */
export async function uploadDecisionLogs(
  req: Pick<Request, "headers" | "body">,
  agent: UploadingAgent,
  requestId?: string,
): Promise<{ result: IngestResult; timing: UploadTiming }> {
  const started = performance.now();
  const body = await readLogBody(req, {
    maxCompressedBytes: env().DECISION_LOG_MAX_COMPRESSED_BYTES,
    maxDecompressedBytes: env().DECISION_LOG_MAX_DECOMPRESSED_BYTES,
  });
  const timing: UploadTiming = { readMs: performance.now() - started, parseMs: 0, queuedMs: 0, writeMs: 0 };
  const result = await ingestDecisionBatch({ agent, body, timing });
  if (result.expired > 0)
    logger.warn(
      { requestId, credentialId: agent.credentialId, expired: result.expired },
      "skipped decisions older than the retention window",
    );
  return { result, timing };
}
