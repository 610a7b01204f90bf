// POST /api/v1/bundles/:name/rollouts/:id/abort — every agent back on the baseline, and a rollout_aborted alert
import { withApi } from "@/lib/http/with-api";
import { ZEndRolloutRequest, ZRolloutParams } from "@/lib/rollouts/schemas";
import { abortRollout } from "@/lib/rollouts/end-rollout";

export const POST = withApi(
  { permission: "bundle:publish", params: ZRolloutParams, body: ZEndRolloutRequest },
  ({ actor, params, body, requestId }) =>
    abortRollout({ actor, name: params.name, id: params.id, input: body, requestId }),
);
