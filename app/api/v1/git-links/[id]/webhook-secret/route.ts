// POST /api/v1/git-links/:id/webhook-secret — a new webhook secret, shown once; the old one stops working
import { withApi } from "@/lib/http/with-api";
import { rotateWebhookSecret } from "@/lib/git-sync/rotate-webhook-secret";
import { ZGitLinkParams } from "@/lib/git-sync/schemas";

export const POST = withApi({ permission: "bundle:manage", params: ZGitLinkParams }, ({ actor, params, requestId }) =>
  rotateWebhookSecret({ actor, id: params.id, requestId }),
);
