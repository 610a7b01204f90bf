// POST /api/v1/allowlists/changes — add, change and remove many grants at once (dryRun: diff and errors only)
import { withApi } from "@/lib/http/with-api";
import { changeAllowlists } from "@/lib/allowlists/change-allowlists";
import { MAX_CHANGE_BODY_BYTES, ZAllowlistChangeRequest } from "@/lib/allowlists/schemas";

export const POST = withApi(
  { permission: "allowlist:write", body: ZAllowlistChangeRequest, maxBodyBytes: MAX_CHANGE_BODY_BYTES },
  ({ actor, body, requestId }) =>
    changeAllowlists({
      actor, requestId,
      input: {
        upserts: body.upsert.map((value, i) => ({ row: i + 1, value })),
        removals: body.remove.map((value, i) => ({ row: body.upsert.length + i + 1, value })),
        mode: body.mode, dryRun: body.dryRun, expectedPlanHash: body.expectedPlanHash, source: "api",
      },
    }),
);
