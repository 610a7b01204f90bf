// POST /api/v1/signing-keys/:id/retire — stop listing a standby key for agents
import { withApi } from "@/lib/http/with-api";
import { retireSigningKey } from "@/lib/bundles/signing-keys";
import { ZRetireSigningKeyRequest, ZSigningKeyParams } from "@/lib/bundles/schemas";

export const POST = withApi(
  { permission: "key:manage", params: ZSigningKeyParams, body: ZRetireSigningKeyRequest },
  ({ actor, params, body, requestId }) => retireSigningKey({ actor, id: params.id, reason: body.reason, requestId }),
);
