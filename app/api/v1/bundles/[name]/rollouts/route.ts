// GET /api/v1/bundles/:name/rollouts — the bundle's rollouts, newest first
// POST /api/v1/bundles/:name/rollouts — start a staged rollout (publishing a change request, or of the newest revision)
import { json, withApi } from "@/lib/http/with-api";
import { ZBundleParams } from "@/lib/bundles/schemas";
import { ZStartRolloutRequest } from "@/lib/rollouts/schemas";
import { listRollouts } from "@/lib/rollouts/rollout-view";
import { startRollout } from "@/lib/rollouts/start-rollout";

export const GET = withApi({ permission: "bundle:read", params: ZBundleParams }, ({ actor, params }) =>
  listRollouts({ actor, name: params.name }),
);

export const POST = withApi(
  { permission: "bundle:publish", params: ZBundleParams, body: ZStartRolloutRequest },
  async ({ actor, params, body, requestId }) =>
    json(await startRollout({ actor, name: params.name, input: body, requestId }), { status: 201 }),
);
