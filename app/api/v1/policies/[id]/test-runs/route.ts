// GET /api/v1/policies/:id/test-runs — runs, newest first; POST — run the cases and Rego tests of a version or of inline content
import { json, withApi } from "@/lib/http/with-api";
import { MAX_POLICY_BODY_BYTES, ZPolicyParams } from "@/lib/policies/schemas";
import { listTestRuns } from "@/lib/policy-tests/get-test-runs";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { ZCreateTestRunRequest, ZListTestRunsQuery } from "@/lib/policy-tests/schemas";

export const GET = withApi(
  { permission: "policy:read", params: ZPolicyParams, query: ZListTestRunsQuery },
  ({ actor, params, query }) => listTestRuns({ actor, policyId: params.id, query }),
);

export const POST = withApi(
  { permission: "test:run", params: ZPolicyParams, body: ZCreateTestRunRequest, maxBodyBytes: MAX_POLICY_BODY_BYTES },
  async ({ actor, params, body, requestId }) => {
    const run = await runPolicyTests({ actor, policyId: params.id, input: body, requestId });
    return json(run, { status: run.stored ? 201 : 200 });
  },
);
