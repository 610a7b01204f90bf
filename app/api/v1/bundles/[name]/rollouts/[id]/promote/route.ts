// POST /api/v1/bundles/:name/rollouts/:id/promote — serve the canary to every agent now
import { withApi } from "@/lib/http/with-api";
import { ZEndRolloutRequest, ZRolloutParams } from "@/lib/rollouts/schemas";
import { promoteRollout } from "@/lib/rollouts/end-rollout";

export const POST = withApi(
  { permission: "bundle:publish", params: ZRolloutParams, body: ZEndRolloutRequest },
  ({ actor, params, body, requestId }) =>
    promoteRollout({ actor, name: params.name, id: params.id, input: body, requestId }),
);
