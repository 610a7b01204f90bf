// POST /api/v1/allowlists/services/:name/endpoints — add an endpoint (method + path pattern)
import { json, withApi } from "@/lib/http/with-api";
import { ZCreateEndpointRequest, ZServiceParams } from "@/lib/allowlists/schemas";
import { addEndpoint } from "@/lib/allowlists/add-endpoint";

export const POST = withApi(
  { permission: "allowlist:write", params: ZServiceParams, body: ZCreateEndpointRequest },
  async ({ actor, params, body, requestId }) =>
    json(await addEndpoint({ actor, serviceName: params.name, input: body, requestId }), { status: 201 }),
);
