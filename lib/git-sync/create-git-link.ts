import { randomUUID } from "node:crypto";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { newWebhookSecret, sealCredential } from "@/lib/git-sync/git-link-secrets";
import type { TCreateGitLinkRequest } from "@/lib/git-sync/schemas";
import { auditedLink, toGitLinkView, type GitLinkView } from "@/lib/git-sync/git-link-view";

/** Links a repository. The webhook secret is returned this once. */
export async function createGitLink(options: {
  actor: Actor;
  input: TCreateGitLinkRequest;
  requestId?: string;
}): Promise<{ link: GitLinkView; webhookSecret: string }> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:manage");
  const id = randomUUID();
  const webhook = newWebhookSecret(id);
  const link = await db.$transaction(async (tx) => {
    if (await tx.gitLink.findUnique({ where: { name: input.name }, select: { id: true } }))
      throw new AppError("conflict", `A git link named ${input.name} already exists`);
    const created = await tx.gitLink.create({
      data: {
        id,
        name: input.name,
        remoteUrl: input.remoteUrl,
        branch: input.branch,
        path: input.path,
        packageRoot: input.packageRoot,
        authKind: input.auth.kind,
        ...sealCredential(id, input.auth),
        webhookSecretSealed: webhook.sealed,
        pollIntervalSeconds: input.pollIntervalSeconds,
        nextPollAt: input.pollIntervalSeconds ? new Date() : null,
        pushEnabled: input.pushEnabled,
        createdById: actor.userId,
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "git_link.create",
      target: { type: "git_link", id },
      after: auditedLink(created),
      requestId: options.requestId,
    });
    return created;
  });
  return { link: toGitLinkView(link), webhookSecret: webhook.secret };
}
