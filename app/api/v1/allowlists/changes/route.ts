// POST /api/v1/allowlists/changes — propose adding, changing and removing grants as one change request (dryRun: diff and errors only)
import { withApi } from "@/lib/http/with-api";
import { proposeAllowlistChange } from "@/lib/allowlists/propose-allowlist-change";
import { MAX_CHANGE_BODY_BYTES, ZAllowlistChangeRequest } from "@/lib/allowlists/schemas";

export const POST = withApi(
  { permission: "allowlist:write", body: ZAllowlistChangeRequest, maxBodyBytes: MAX_CHANGE_BODY_BYTES },
  ({ actor, body, requestId }) =>
    proposeAllowlistChange({
      actor,
      requestId,
      title: body.title,
      description: body.description,
      input: {
        upserts: body.upsert.map((value, i) => ({ row: i + 1, value })),
        removals: body.remove.map((value, i) => ({ row: body.upsert.length + i + 1, value })),
        mode: body.mode,
        dryRun: body.dryRun,
        expectedPlanHash: body.expectedPlanHash,
        source: "api",
      },
    }),
);
