import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { sealCredential } from "@/lib/git-sync/git-link-secrets";
import { tokenTransportProblem, type TUpdateGitLinkRequest } from "@/lib/git-sync/schemas";
import { auditedLink, toGitLinkView, type GitLinkView } from "@/lib/git-sync/git-link-view";

export async function updateGitLink(options: {
  actor: Actor;
  id: string;
  input: TUpdateGitLinkRequest;
  requestId?: string;
}): Promise<GitLinkView> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:manage");
  return db.$transaction(async (tx) => {
    const before = await tx.gitLink.findUnique({ where: { id: options.id } });
    if (!before) throw notFound("Git link");
    const transport = input.auth && tokenTransportProblem(before.remoteUrl, input.auth.kind);
    if (transport)
      throw new AppError("validation_failed", transport, { fieldErrors: [{ path: "body.auth", message: transport }] });
    const after = await tx.gitLink.update({
      where: { id: before.id },
      data: {
        ...(input.auth ? { authKind: input.auth.kind, ...sealCredential(before.id, input.auth) } : {}),
        ...(input.pollIntervalSeconds !== undefined
          ? {
              pollIntervalSeconds: input.pollIntervalSeconds,
              nextPollAt: input.pollIntervalSeconds ? new Date() : null,
            }
          : {}),
        ...(input.pushEnabled !== undefined ? { pushEnabled: input.pushEnabled } : {}),
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "git_link.update",
      target: { type: "git_link", id: before.id },
      before: auditedLink(before),
      after: { ...auditedLink(after), credentialReplaced: Boolean(input.auth) },
      requestId: options.requestId,
    });
    return toGitLinkView(after);
  });
}
