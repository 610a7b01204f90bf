// POST /api/v1/rego/format — opa fmt on unsaved source
import { withApi } from "@/lib/http/with-api";
import { formatRegoSource } from "@/lib/policies/lint-rego";
import { MAX_POLICY_BODY_BYTES, ZRegoSourceRequest } from "@/lib/policies/schemas";

export const POST = withApi(
  { permission: "policy:read", body: ZRegoSourceRequest, maxBodyBytes: MAX_POLICY_BODY_BYTES },
  ({ actor, body }) => formatRegoSource({ actor, ...body }),
);
