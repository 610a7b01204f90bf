// GET /api/v1/policies/:id/references — the policies this policy uses and the policies that use it
import { withApi } from "@/lib/http/with-api";
import { getPolicyReferences } from "@/lib/policies/get-policy-references";
import { ZPolicyParams } from "@/lib/policies/schemas";

export const GET = withApi({ permission: "policy:read", params: ZPolicyParams }, ({ actor, params }) =>
  getPolicyReferences({ actor, policyId: params.id }),
);
