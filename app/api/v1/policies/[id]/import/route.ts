// POST /api/v1/policies/:id/import — policy.rego, policy_test.rego and cases.json/yaml become the next version
import { json, withApi } from "@/lib/http/with-api";
import { ZPolicyParams } from "@/lib/policies/schemas";
import { importPolicyFiles } from "@/lib/policies/import-export-policy";
import { ZImportPolicyFilesRequest } from "@/lib/policy-tests/schemas";

const MAX_IMPORT_BODY_BYTES = 8 * 1024 * 1024;

export const POST = withApi(
  {
    permission: "policy:write",
    params: ZPolicyParams,
    body: ZImportPolicyFilesRequest,
    maxBodyBytes: MAX_IMPORT_BODY_BYTES,
  },
  async ({ actor, params, body, requestId }) => {
    const result = await importPolicyFiles({ actor, policyId: params.id, input: body, requestId });
    return json(result, { status: result.created ? 201 : 200 });
  },
);
