// GET /api/v1/git-links/:id — state, commits and the versions they became, drift; PATCH — credential, poll, push; DELETE — unlink
import { withApi } from "@/lib/http/with-api";
import { deleteGitLink } from "@/lib/git-sync/delete-git-link";
import { updateGitLink } from "@/lib/git-sync/update-git-link";
import { getGitLinkStatus } from "@/lib/git-sync/git-link-status";
import { ZGitLinkParams, ZUpdateGitLinkRequest } from "@/lib/git-sync/schemas";

export const GET = withApi({ permission: "bundle:manage", params: ZGitLinkParams }, ({ actor, params }) =>
  getGitLinkStatus({ actor, id: params.id }),
);

export const PATCH = withApi(
  { permission: "bundle:manage", params: ZGitLinkParams, body: ZUpdateGitLinkRequest, maxBodyBytes: 32 * 1024 },
  ({ actor, params, body, requestId }) => updateGitLink({ actor, id: params.id, input: body, requestId }),
);

export const DELETE = withApi(
  { permission: "bundle:manage", params: ZGitLinkParams },
  async ({ actor, params, requestId }) => {
    await deleteGitLink({ actor, id: params.id, requestId });
    return new Response(null, { status: 204 });
  },
);
