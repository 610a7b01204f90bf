// GET /api/v1/bundles — bundles with their roots, policies and current revision; POST — create one (admin)
import { json, withApi } from "@/lib/http/with-api";
import { createBundle, listBundles } from "@/lib/bundles/manage-bundles";
import { ZCreateBundleRequest } from "@/lib/bundles/schemas";

export const GET = withApi({ permission: "bundle:read" }, async ({ actor }) => ({ items: await listBundles({ actor }) }));

export const POST = withApi({ permission: "bundle:manage", body: ZCreateBundleRequest }, async ({ actor, body, requestId }) =>
  json(await createBundle({ actor, input: body, requestId }), { status: 201 }),
);
