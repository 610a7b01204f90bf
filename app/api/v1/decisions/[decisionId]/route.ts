// GET /api/v1/decisions/:decisionId?at= — one decision: input, result, agent, and what decided it
import { withApi } from "@/lib/http/with-api";
import { getDecisionOrThrow } from "@/lib/decisions/get-decision";
import { ZDecisionDetailQuery, ZDecisionParams } from "@/lib/decisions/schemas";

export const GET = withApi(
  { permission: "decision:read", params: ZDecisionParams, query: ZDecisionDetailQuery },
  ({ actor, params, query }) => getDecisionOrThrow({ actor, decisionId: params.decisionId, at: query.at }),
);
