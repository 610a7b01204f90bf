// GET /api/v1/allowlists/services/:name — endpoints and their grants; PATCH — owner, description; DELETE — remove an ungranted service
import { withApi } from "@/lib/http/with-api";
import { getServiceDetail } from "@/lib/allowlists/list-services";
import { ZServiceParams, ZUpdateServiceRequest } from "@/lib/allowlists/schemas";
import { updateService } from "@/lib/allowlists/update-service";
import { deleteService } from "@/lib/allowlists/delete-service";

export const GET = withApi({ permission: "allowlist:read", params: ZServiceParams }, ({ actor, params }) =>
  getServiceDetail({ actor, name: params.name }),
);

export const PATCH = withApi(
  { permission: "allowlist:write", params: ZServiceParams, body: ZUpdateServiceRequest },
  ({ actor, params, body, requestId }) => updateService({ actor, name: params.name, input: body, requestId }),
);

export const DELETE = withApi(
  { permission: "allowlist:write", params: ZServiceParams },
  ({ actor, params, requestId }) => deleteService({ actor, name: params.name, requestId }),
);
