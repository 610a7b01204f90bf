// POST /api/v1/git-links/:id/skip-commit — pass over the commit a link is stopped at (recorded, no change request)
import { withApi } from "@/lib/http/with-api";
import { skipGitCommit } from "@/lib/git-sync/skip-git-commit";
import { ZAcceptHeadRequest, ZGitLinkParams } from "@/lib/git-sync/schemas";

export const POST = withApi(
  { permission: "bundle:manage", params: ZGitLinkParams, body: ZAcceptHeadRequest },
  ({ actor, params, body, requestId }) => skipGitCommit({ actor, id: params.id, sha: body.sha, requestId }),
);
