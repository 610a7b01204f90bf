// GET /api/v1/signing-keys/:id/public-key — the PEM public key, for OPA's `keys` config
import { withApi } from "@/lib/http/with-api";
import { getSigningKeyOrThrow } from "@/lib/bundles/signing-keys";
import { ZSigningKeyParams } from "@/lib/bundles/schemas";

export const GET = withApi({ permission: "bundle:read", params: ZSigningKeyParams }, async ({ actor, params }) => {
  const key = await getSigningKeyOrThrow({ actor, id: params.id });
  return new Response(key.publicKeyPem, {
    headers: {
      "content-type": "application/x-pem-file",
      "content-disposition": `attachment; filename="${key.kid}.pem"`,
      "cache-control": "no-store",
    },
  });
});
