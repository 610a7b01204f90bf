// GET /api/v1/git-links — linked repositories (admin); POST — link one (the webhook secret is shown once)
import { json, withApi } from "@/lib/http/with-api";
import { createGitLink } from "@/lib/git-sync/create-git-link";
import { listGitLinks } from "@/lib/git-sync/git-link-status";
import { ZCreateGitLinkRequest } from "@/lib/git-sync/schemas";

export const GET = withApi({ permission: "bundle:manage" }, async ({ actor }) => ({
  items: await listGitLinks({ actor }),
}));

export const POST = withApi(
  { permission: "bundle:manage", body: ZCreateGitLinkRequest, maxBodyBytes: 32 * 1024 },
  async ({ actor, body, requestId }) => json(await createGitLink({ actor, input: body, requestId }), { status: 201 }),
);
