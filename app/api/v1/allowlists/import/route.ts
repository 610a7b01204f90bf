// POST /api/v1/allowlists/import?format=csv|json&mode=merge|replace&dryRun=true|false — bulk import a file
import { withApi } from "@/lib/http/with-api";
import { importAllowlists } from "@/lib/allowlists/import-allowlists";
import { ZImportQuery } from "@/lib/allowlists/schemas";

export const POST = withApi(
  { permission: "allowlist:write", query: ZImportQuery },
  ({ actor, query, req, requestId }) => importAllowlists({ actor, query, request: req, requestId }),
);
