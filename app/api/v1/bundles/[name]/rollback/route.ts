// POST /api/v1/bundles/:name/rollback — republish an earlier revision as a new revision, with a reason
import { json, withApi } from "@/lib/http/with-api";
import { rollbackBundle } from "@/lib/publishing/rollback-bundle";
import { ZBundleParams, ZRollbackRequest } from "@/lib/bundles/schemas";

export const POST = withApi(
  { permission: "bundle:publish", params: ZBundleParams, body: ZRollbackRequest },
  async ({ actor, params, body, requestId }) =>
    json(await rollbackBundle({ actor, name: params.name, input: body, requestId }), { status: 201 }),
);
