// POST /api/v1/rego/convert-v0 — the module's Rego version and, for v0, its conversion by opa fmt --v0-v1 (writes nothing)
import { withApi } from "@/lib/http/with-api";
import { convertRegoSource } from "@/lib/policies/convert-rego-source";
import { MAX_POLICY_BODY_BYTES, ZRegoSourceRequest } from "@/lib/policies/schemas";

export const POST = withApi(
  { permission: "policy:read", body: ZRegoSourceRequest, maxBodyBytes: MAX_POLICY_BODY_BYTES },
  ({ actor, body }) => convertRegoSource({ actor, source: body.source }),
);
