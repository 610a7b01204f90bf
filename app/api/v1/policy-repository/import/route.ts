// POST /api/v1/policy-repository/import — a whole repository (zip, tarball or JSON files): preview
// (dryRun=true, the default) or apply in one transaction
import { json, withApi } from "@/lib/http/with-api";
import { applyRepositoryImport } from "@/lib/policy-repository/apply-repository-import";
import { previewRepositoryImport } from "@/lib/policy-repository/preview-repository-import";
import { readRepositoryRequest } from "@/lib/policy-repository/read-repository-request";
import { ZRepositoryImportQuery } from "@/lib/policy-repository/schemas";

export const POST = withApi(
  { permission: "policy:read", query: ZRepositoryImportQuery },
  async ({ req, actor, query, requestId }) => {
    const entries = await readRepositoryRequest(req);
    if (query.dryRun) return (await previewRepositoryImport({ actor, entries })).preview;
    const result = await applyRepositoryImport({
      actor,
      entries,
      requestId,
      expectedPlanHash: query.expectedPlanHash,
      message: query.message,
      changeRequest: query.changeRequestTitle ? { title: query.changeRequestTitle } : undefined,
    });
    return json(result, { status: result.created.length || result.updated.length ? 201 : 200 });
  },
);
