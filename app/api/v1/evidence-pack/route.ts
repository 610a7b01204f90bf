// GET /api/v1/evidence-pack?from=&to=&bundles=a,b&decisions=all|N&replay=N — stream a verifiable evidence pack (tar.gz; recorded in the audit trail)
import { withApi } from "@/lib/http/with-api";
import { exportEvidencePack } from "@/lib/evidence/export-evidence-pack";
import { ZEvidencePackQuery } from "@/lib/evidence/schemas";

export const GET = withApi(
  { permission: "evidence:export", query: ZEvidencePackQuery },
  async ({ actor, query, requestId }) => {
    const { stream, fileName } = await exportEvidencePack({ actor, query, requestId });
    return new Response(stream, {
      headers: {
        "content-type": "application/gzip",
        "content-disposition": `attachment; filename="${fileName}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  },
);
