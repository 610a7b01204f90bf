// GET /api/v1/policies/:id/test-runs/:runId — one run with every case and Rego test result
import { withApi } from "@/lib/http/with-api";
import { getTestRunOrThrow } from "@/lib/policy-tests/get-test-runs";
import { ZTestRunParams } from "@/lib/policy-tests/schemas";

export const GET = withApi({ permission: "policy:read", params: ZTestRunParams }, ({ actor, params }) =>
  getTestRunOrThrow({ actor, policyId: params.id, runId: params.runId }),
);
