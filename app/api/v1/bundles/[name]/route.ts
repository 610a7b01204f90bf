// GET /api/v1/bundles/:name — one bundle; PATCH — change its description, roots or policies (admin)
import { withApi } from "@/lib/http/with-api";
import { ZBundleParams, ZUpdateBundleRequest } from "@/lib/bundles/schemas";
import { updateBundle } from "@/lib/bundles/update-bundle";
import { getBundleOrThrow } from "@/lib/bundles/list-bundles";

export const GET = withApi({ permission: "bundle:read", params: ZBundleParams }, ({ actor, params }) =>
  getBundleOrThrow({ actor, name: params.name }),
);

export const PATCH = withApi(
  { permission: "bundle:manage", params: ZBundleParams, body: ZUpdateBundleRequest },
  ({ actor, params, body, requestId }) => updateBundle({ actor, name: params.name, input: body, requestId }),
);
