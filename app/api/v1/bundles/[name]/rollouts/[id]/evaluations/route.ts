// GET /api/v1/bundles/:name/rollouts/:id/evaluations — every judgement of the rollout, oldest first
import { withApi } from "@/lib/http/with-api";
import { ZRolloutParams } from "@/lib/rollouts/schemas";
import { rolloutHistory } from "@/lib/rollouts/rollout-history";

export const GET = withApi({ permission: "bundle:read", params: ZRolloutParams }, ({ actor, params }) =>
  rolloutHistory({ actor, name: params.name, id: params.id }),
);
