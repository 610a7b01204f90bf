// POST /api/v1/allowlists/services/:name/endpoints — add an endpoint (method + path pattern)
import { json, withApi } from "@/lib/http/with-api";
import { addEndpoint } from "@/lib/allowlists/manage-services";
import { ZCreateEndpointRequest, ZServiceParams } from "@/lib/allowlists/schemas";

export const POST = withApi(
  { permission: "allowlist:write", params: ZServiceParams, body: ZCreateEndpointRequest },
  async ({ actor, params, body, requestId }) => json(await addEndpoint({ actor, serviceName: params.name, input: body, requestId }), { status: 201 }),
);
