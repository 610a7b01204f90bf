// POST /api/v1/git-links/:id/sync — fetch now (as the poll or a webhook would)
import { withApi } from "@/lib/http/with-api";
import { requestGitLinkSync } from "@/lib/git-sync/sync-git-link";
import { ZGitLinkParams } from "@/lib/git-sync/schemas";

export const POST = withApi({ permission: "bundle:manage", params: ZGitLinkParams }, ({ actor, params, requestId }) =>
  requestGitLinkSync({ actor, id: params.id, requestId }),
);
