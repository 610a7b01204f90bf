// DELETE /api/v1/allowlists/services/:name/endpoints/:endpointId — remove an endpoint nobody is granted
import { withApi } from "@/lib/http/with-api";
import { removeEndpoint } from "@/lib/allowlists/manage-services";
import { ZEndpointParams } from "@/lib/allowlists/schemas";

export const DELETE = withApi({ permission: "allowlist:write", params: ZEndpointParams }, ({ actor, params, requestId }) =>
  removeEndpoint({ actor, serviceName: params.name, endpointId: params.endpointId, requestId }),
);
