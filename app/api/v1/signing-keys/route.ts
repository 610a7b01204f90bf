// GET /api/v1/signing-keys — bundle signing keys (public halves only); POST — generate or import one (admin)
import { json, withApi } from "@/lib/http/with-api";
import { createSigningKey, listSigningKeys } from "@/lib/bundles/signing-keys";
import { ZCreateSigningKeyRequest } from "@/lib/bundles/schemas";

export const GET = withApi({ permission: "bundle:read" }, async ({ actor }) => ({
  items: await listSigningKeys({ actor }),
}));

export const POST = withApi(
  { permission: "key:manage", body: ZCreateSigningKeyRequest, maxBodyBytes: 32 * 1024 },
  async ({ actor, body, requestId }) =>
    json(await createSigningKey({ actor, input: body, requestId }), { status: 201 }),
);
