// POST /api/v1/git-links/:id/webhook — a GitHub, GitLab or Gitea push event, signed with the link's secret (401
// otherwise); 202 at once, the sync runs in the background
import { json } from "@/lib/http/with-api";
import { withSignedWebhook } from "@/lib/http/with-signed-webhook";
import { receiveGitWebhook } from "@/lib/git-sync/receive-git-webhook";
import { MAX_WEBHOOK_BYTES, ZGitLinkParams } from "@/lib/git-sync/schemas";

export const POST = withSignedWebhook(
  { params: ZGitLinkParams, maxBodyBytes: MAX_WEBHOOK_BYTES },
  async ({ req, params, body }) => {
    const outcome = await receiveGitWebhook({ linkId: params.id, headers: req.headers, body });
    return json(outcome, { status: 202 });
  },
);
