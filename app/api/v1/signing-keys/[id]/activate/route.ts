// POST /api/v1/signing-keys/:id/activate — this key signs new revisions from now on (the previous one stays listed)
import { withApi } from "@/lib/http/with-api";
import { activateSigningKey } from "@/lib/bundles/signing-keys";
import { ZActivateSigningKeyRequest, ZSigningKeyParams } from "@/lib/bundles/schemas";

export const POST = withApi(
  { permission: "key:manage", params: ZSigningKeyParams, body: ZActivateSigningKeyRequest },
  ({ actor, params, body, requestId }) => activateSigningKey({ actor, id: params.id, reason: body.reason, requestId }),
);
