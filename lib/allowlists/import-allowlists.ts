import { AppError } from "@/lib/core/errors";
import { isJsonContentType, readBodyBounded } from "@/lib/core/read-body";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { proposeAllowlistChange, type ProposalResult } from "@/lib/allowlists/propose-allowlist-change";
import { parseImportFile } from "@/lib/allowlists/import-file";
import { MAX_IMPORT_BYTES, type TImportQuery } from "@/lib/allowlists/schemas";

/** Reads an uploaded CSV or JSON file (bounded): a dry run, or one change request with every row. */
export async function importAllowlists(options: {
  actor: Actor;
  query: TImportQuery;
  request: Request;
  requestId?: string;
}): Promise<ProposalResult> {
  const { actor, query, request } = options;
  requirePermission(actor, "allowlist:write");
  const contentType = request.headers.get("content-type");
  if (query.format === "json" ? !isJsonContentType(contentType) : !isCsvContentType(contentType)) {
    throw new AppError(
      "unsupported_media_type",
      query.format === "json" ? "Send the file as application/json" : "Send the file as text/csv",
    );
  }
  const bytes = await readBodyBounded(request, MAX_IMPORT_BYTES);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new AppError("bad_request", "The file is not UTF-8 text", { cause });
  }
  const { rows, errors } = parseImportFile(query.format, text);
  return proposeAllowlistChange({
    actor,
    requestId: options.requestId,
    input: {
      upserts: rows,
      removals: [],
      parseErrors: errors,
      mode: query.mode,
      dryRun: query.dryRun,
      expectedPlanHash: query.expectedPlanHash,
      source: `import:${query.format}`,
    },
  });
}

function isCsvContentType(value: string | null): boolean {
  const type = value?.split(";")[0]?.trim().toLowerCase();
  return type === "text/csv" || type === "application/csv" || type === "text/plain";
}
