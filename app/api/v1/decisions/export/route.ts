// GET /api/v1/decisions/export?format=csv|ndjson — stream every decision matching the filter (recorded in the audit trail)
import { withApi } from "@/lib/http/with-api";
import { exportDecisions } from "@/lib/decisions/export-decisions";
import { ZExportDecisionsQuery } from "@/lib/decisions/schemas";

export const GET = withApi(
  { permission: "decision:export", query: ZExportDecisionsQuery },
  async ({ actor, query, requestId }) => {
    const { stream, fileName, contentType } = await exportDecisions({ actor, query, requestId });
    return new Response(stream, {
      headers: {
        "content-type": contentType,
        "content-disposition": `attachment; filename="${fileName}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  },
);
