// GET /api/v1/policies/:id/versions — history, newest first; POST — save the next version (409 on a stale expectedVersion)
import { json, withApi } from "@/lib/http/with-api";
import { listPolicyVersions } from "@/lib/policies/get-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { MAX_POLICY_BODY_BYTES, ZPolicyParams, ZSavePolicyVersionRequest } from "@/lib/policies/schemas";

export const GET = withApi({ permission: "policy:read", params: ZPolicyParams }, async ({ actor, params }) => ({
  items: await listPolicyVersions({ actor, policyId: params.id }),
}));

export const POST = withApi(
  {
    permission: "policy:write",
    params: ZPolicyParams,
    body: ZSavePolicyVersionRequest,
    maxBodyBytes: MAX_POLICY_BODY_BYTES,
  },
  async ({ actor, params, body, requestId }) => {
    const result = await savePolicyVersion({ actor, policyId: params.id, input: body, requestId });
    return json(result, { status: result.created ? 201 : 200 });
  },
);
