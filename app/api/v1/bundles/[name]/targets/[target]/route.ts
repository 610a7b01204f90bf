// DELETE /api/v1/bundles/:name/targets/:target — stop distributing there (what it holds stays)
import { withApi } from "@/lib/http/with-api";
import { removeTarget } from "@/lib/distribution/remove-target";
import { ZTargetParams } from "@/lib/distribution/schemas";

export const DELETE = withApi(
  { permission: "bundle:manage", params: ZTargetParams },
  async ({ actor, params, requestId }) => {
    await removeTarget({ actor, name: params.name, target: params.target, requestId });
    return new Response(null, { status: 204 });
  },
);
