// GET /api/v1/bundles/:name/rollouts/:id — one rollout: stages, canary agents, the last evaluation
import { withApi } from "@/lib/http/with-api";
import { ZRolloutParams } from "@/lib/rollouts/schemas";
import { getRollout } from "@/lib/rollouts/rollout-view";

export const GET = withApi({ permission: "bundle:read", params: ZRolloutParams }, ({ actor, params }) =>
  getRollout({ actor, name: params.name, id: params.id }),
);
