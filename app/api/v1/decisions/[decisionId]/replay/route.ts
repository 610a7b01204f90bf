// POST /api/v1/decisions/:decisionId/replay — re-evaluate the recorded input against current or published policies (changes nothing)
import { withApi } from "@/lib/http/with-api";
import { replayDecision } from "@/lib/decisions/replay-decision";
import { ZDecisionParams, ZReplayDecisionRequest } from "@/lib/decisions/schemas";

export const POST = withApi(
  { permission: "decision:read", params: ZDecisionParams, body: ZReplayDecisionRequest },
  ({ actor, params, body }) =>
    replayDecision({ actor, decisionId: params.decisionId, at: body.at, against: body.against }),
);
