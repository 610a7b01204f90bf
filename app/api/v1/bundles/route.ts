// GET /api/v1/bundles — bundles with their roots, policies and current revision; POST — create one (admin)
import { json, withApi } from "@/lib/http/with-api";
import { ZCreateBundleRequest } from "@/lib/bundles/schemas";
import { createBundle } from "@/lib/bundles/create-bundle";
import { listBundles } from "@/lib/bundles/list-bundles";

export const GET = withApi({ permission: "bundle:read" }, async ({ actor }) => ({
  items: await listBundles({ actor }),
}));

export const POST = withApi(
  { permission: "bundle:manage", body: ZCreateBundleRequest },
  async ({ actor, body, requestId }) => json(await createBundle({ actor, input: body, requestId }), { status: 201 }),
);
