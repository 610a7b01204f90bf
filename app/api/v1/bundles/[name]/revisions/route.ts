// GET /api/v1/bundles/:name/revisions — published revisions, newest first (keyset: ?before=<number>)
import { withApi } from "@/lib/http/with-api";
import { listRevisions } from "@/lib/bundles/revisions";
import { ZBundleParams, ZListRevisionsQuery } from "@/lib/bundles/schemas";

export const GET = withApi(
  { permission: "bundle:read", params: ZBundleParams, query: ZListRevisionsQuery },
  ({ actor, params, query }) => listRevisions({ actor, name: params.name, query }),
);
