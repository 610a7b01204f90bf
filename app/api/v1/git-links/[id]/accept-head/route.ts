// POST /api/v1/git-links/:id/accept-head — take a force-pushed head as the new base (its tree becomes one change request)
import { withApi } from "@/lib/http/with-api";
import { acceptRemoteHead } from "@/lib/git-sync/accept-remote-head";
import { ZAcceptHeadRequest, ZGitLinkParams } from "@/lib/git-sync/schemas";

export const POST = withApi(
  { permission: "bundle:manage", params: ZGitLinkParams, body: ZAcceptHeadRequest },
  ({ actor, params, body, requestId }) => acceptRemoteHead({ actor, id: params.id, sha: body.sha, requestId }),
);
