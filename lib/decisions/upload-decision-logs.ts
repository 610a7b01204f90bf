import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { readLogBody } from "@/lib/decisions/read-log-body";
import { ingestDecisionBatch, type IngestResult, type UploadingAgent } from "@/lib/decisions/ingest-decision-batch";

/**
 * The body of POST /api/opa/logs once the agent is authenticated: read (bounded, streamed),
 * validate, store; returns once committed, with what was stored (OPA ignores the answer's body; it is for people).
 */
export async function uploadDecisionLogs(
  req: Pick<Request, "headers" | "body">,
  agent: UploadingAgent,
  requestId?: string,
): Promise<IngestResult> {
  const body = await readLogBody(req, {
    maxCompressedBytes: env().DECISION_LOG_MAX_COMPRESSED_BYTES,
    maxDecompressedBytes: env().DECISION_LOG_MAX_DECOMPRESSED_BYTES,
  });
  const result = await ingestDecisionBatch({ agent, body });
  if (result.expired > 0)
    logger.warn(
      { requestId, credentialId: agent.credentialId, expired: result.expired },
      "skipped decisions older than the retention window",
    );
  return result;
}
