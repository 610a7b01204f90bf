// GET /api/v1/policies/:id — a policy with its head version; PATCH — change name, description, owner
import { withApi } from "@/lib/http/with-api";
import { getPolicyOrThrow } from "@/lib/policies/get-policy";
import { updatePolicyMetadata } from "@/lib/policies/update-policy";
import { ZPolicyParams, ZUpdatePolicyRequest } from "@/lib/policies/schemas";

export const GET = withApi({ permission: "policy:read", params: ZPolicyParams }, ({ actor, params }) =>
  getPolicyOrThrow({ actor, id: params.id }),
);

export const PATCH = withApi(
  { permission: "policy:write", params: ZPolicyParams, body: ZUpdatePolicyRequest },
  ({ actor, params, body, requestId }) => updatePolicyMetadata({ actor, id: params.id, input: body, requestId }),
);
