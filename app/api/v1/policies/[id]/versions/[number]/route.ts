// GET /api/v1/policies/:id/versions/:number — one immutable version with its source
import { withApi } from "@/lib/http/with-api";
import { getPolicyVersionOrThrow } from "@/lib/policies/get-policy";
import { ZPolicyVersionParams } from "@/lib/policies/schemas";

export const GET = withApi({ permission: "policy:read", params: ZPolicyVersionParams }, ({ actor, params }) =>
  getPolicyVersionOrThrow({ actor, policyId: params.id, number: params.number }),
);
