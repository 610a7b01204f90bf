// GET /api/v1/policies — list policies; POST — create a policy with its first version
import { json, withApi } from "@/lib/http/with-api";
import { listPolicies } from "@/lib/policies/list-policies";
import { createPolicy } from "@/lib/policies/create-policy";
import { MAX_POLICY_BODY_BYTES, ZCreatePolicyRequest, ZListPoliciesQuery } from "@/lib/policies/schemas";

export const GET = withApi({ permission: "policy:read", query: ZListPoliciesQuery }, ({ actor, query }) =>
  listPolicies({ actor, query }),
);

export const POST = withApi(
  { permission: "policy:write", body: ZCreatePolicyRequest, maxBodyBytes: MAX_POLICY_BODY_BYTES },
  async ({ actor, body, requestId }) => json(await createPolicy({ actor, input: body, requestId }), { status: 201 }),
);
