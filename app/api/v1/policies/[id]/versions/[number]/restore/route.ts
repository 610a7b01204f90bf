// POST /api/v1/policies/:id/versions/:number/restore — save an old version's source as a new version
import { json, withApi } from "@/lib/http/with-api";
import { restorePolicyVersion } from "@/lib/policies/save-policy-version";
import { ZPolicyVersionParams, ZRestorePolicyVersionRequest } from "@/lib/policies/schemas";

export const POST = withApi(
  { permission: "policy:write", params: ZPolicyVersionParams, body: ZRestorePolicyVersionRequest },
  async ({ actor, params, body, requestId }) => {
    const result = await restorePolicyVersion({
      actor,
      policyId: params.id,
      number: params.number,
      input: body,
      requestId,
    });
    return json(result, { status: result.created ? 201 : 200 });
  },
);
