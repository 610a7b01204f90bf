// GET /api/v1/bundles/:name/revisions/:number/download — the signed tarball exactly as agents receive it
import { withApi } from "@/lib/http/with-api";
import { revisionTarball } from "@/lib/bundles/revisions";
import { ZRevisionParams } from "@/lib/bundles/schemas";

export const GET = withApi({ permission: "bundle:read", params: ZRevisionParams }, async ({ actor, params }) => {
  const { bytes, fileName, etag } = await revisionTarball({ actor, name: params.name, number: params.number });
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${fileName}"`,
      etag,
      "cache-control": "no-store",
    },
  });
});
