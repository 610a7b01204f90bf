// GET /api/v1/policies/:id/export — a version with its tests as files: a zip (default) or {files} JSON
import { json, withApi } from "@/lib/http/with-api";
import { ZPolicyParams } from "@/lib/policies/schemas";
import { exportPolicyFiles } from "@/lib/policies/import-export-policy";
import { zipFiles } from "@/lib/policy-tests/policy-files";
import { ZExportQuery } from "@/lib/policy-tests/schemas";

export const GET = withApi(
  { permission: "policy:read", params: ZPolicyParams, query: ZExportQuery },
  async ({ actor, params, query }) => {
    const exported = await exportPolicyFiles({ actor, policyId: params.id, version: query.version });
    if (query.format === "json") return json(exported);
    const name = `${exported.packagePath.replace(/\./g, "-")}-v${exported.version}.zip`;
    return new Response(Buffer.from(zipFiles(exported.files)), {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  },
);
