// GET /api/v1/bundles/:name — one bundle; PATCH — change its description, roots or policies (admin)
import { withApi } from "@/lib/http/with-api";
import { getBundleOrThrow, updateBundle } from "@/lib/bundles/manage-bundles";
import { ZBundleParams, ZUpdateBundleRequest } from "@/lib/bundles/schemas";

export const GET = withApi({ permission: "bundle:read", params: ZBundleParams }, ({ actor, params }) => getBundleOrThrow({ actor, name: params.name }));

export const PATCH = withApi({ permission: "bundle:manage", params: ZBundleParams, body: ZUpdateBundleRequest }, ({ actor, params, body, requestId }) =>
  updateBundle({ actor, name: params.name, input: body, requestId }),
);
