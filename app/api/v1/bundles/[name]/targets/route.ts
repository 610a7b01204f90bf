// GET  /api/v1/bundles/:name/targets — the bundle's registries and buckets, with each recent revision's state there
// POST /api/v1/bundles/:name/targets — add one (its credentials are sealed and never returned)
import { json, withApi } from "@/lib/http/with-api";
import { addTarget } from "@/lib/distribution/add-target";
import { listTargets } from "@/lib/distribution/list-targets";
import { ZCreateTargetRequest } from "@/lib/distribution/schemas";
import { ZBundleParams } from "@/lib/bundles/schemas";

export const GET = withApi({ permission: "bundle:read", params: ZBundleParams }, async ({ actor, params }) => ({
  targets: await listTargets({ actor, name: params.name }),
}));

export const POST = withApi(
  { permission: "bundle:manage", params: ZBundleParams, body: ZCreateTargetRequest, maxBodyBytes: 16 * 1024 },
  async ({ actor, params, body, requestId }) =>
    json(await addTarget({ actor, name: params.name, input: body, requestId }), { status: 201 }),
);
