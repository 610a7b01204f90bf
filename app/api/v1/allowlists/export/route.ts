// GET /api/v1/allowlists/export?format=csv|json — every grant as a file that import reads back
import { withApi } from "@/lib/http/with-api";
import { exportAllowlists } from "@/lib/allowlists/export-allowlists";
import { ZExportQuery } from "@/lib/allowlists/schemas";

export const GET = withApi({ permission: "allowlist:read", query: ZExportQuery }, async ({ actor, query }) => {
  const file = await exportAllowlists({ actor, format: query.format });
  return new Response(file.body, {
    headers: {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.fileName}"`,
      "cache-control": "no-store",
    },
  });
});
