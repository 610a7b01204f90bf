// GET /api/v1/bundles/:name/revisions/:number — contents, manifest, signature and the agents running it
import { withApi } from "@/lib/http/with-api";
import { getRevisionOrThrow } from "@/lib/bundles/revisions";
import { ZRevisionParams } from "@/lib/bundles/schemas";

export const GET = withApi({ permission: "bundle:read", params: ZRevisionParams }, ({ actor, params }) =>
  getRevisionOrThrow({ actor, name: params.name, number: params.number }),
);
