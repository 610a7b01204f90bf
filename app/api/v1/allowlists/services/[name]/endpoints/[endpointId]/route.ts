// DELETE /api/v1/allowlists/services/:name/endpoints/:endpointId — remove an endpoint nobody is granted
import { withApi } from "@/lib/http/with-api";
import { ZEndpointParams } from "@/lib/allowlists/schemas";
import { removeEndpoint } from "@/lib/allowlists/remove-endpoint";

export const DELETE = withApi(
  { permission: "allowlist:write", params: ZEndpointParams },
  ({ actor, params, requestId }) =>
    removeEndpoint({ actor, serviceName: params.name, endpointId: params.endpointId, requestId }),
);
