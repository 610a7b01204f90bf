// POST /api/v1/git-links/:id/dismiss-conflict — clear a refused push once it has been dealt with
import { withApi } from "@/lib/http/with-api";
import { dismissGitConflict } from "@/lib/git-sync/dismiss-git-conflict";
import { ZGitLinkParams } from "@/lib/git-sync/schemas";

export const POST = withApi({ permission: "bundle:manage", params: ZGitLinkParams }, ({ actor, params, requestId }) =>
  dismissGitConflict({ actor, id: params.id, requestId }),
);
