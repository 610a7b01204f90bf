// POST /api/v1/policies/import — create a policy from policy.rego, policy_test.rego and cases.json/yaml
import { json, withApi } from "@/lib/http/with-api";
import { importNewPolicy } from "@/lib/policies/import-export-policy";
import { ZImportNewPolicyRequest } from "@/lib/policy-tests/schemas";

const MAX_IMPORT_BODY_BYTES = 8 * 1024 * 1024;

export const POST = withApi(
  { permission: "policy:write", body: ZImportNewPolicyRequest, maxBodyBytes: MAX_IMPORT_BODY_BYTES },
  async ({ actor, body, requestId }) => json(await importNewPolicy({ actor, input: body, requestId }), { status: 201 }),
);
