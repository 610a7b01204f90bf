// POST /api/v1/change-requests/:number/publish — build, check, sign and serve new bundle revisions (all or nothing)
import { json, withApi } from "@/lib/http/with-api";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { ZChangeRequestParams, ZPublishRequest } from "@/lib/change-requests/schemas";

export const POST = withApi(
  { permission: "bundle:publish", params: ZChangeRequestParams, body: ZPublishRequest },
  async ({ actor, params, body, requestId }) =>
    json(await publishChangeRequest({ actor, number: params.number, input: body, requestId }), { status: 201 }),
);
