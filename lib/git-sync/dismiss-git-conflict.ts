import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { Prisma } from "@/lib/generated/prisma/client";
import { toGitLinkView, type GitLinkView } from "@/lib/git-sync/git-link-view";

/** Clears a shown push conflict once someone has looked at it (both sides' work is already kept). */
export async function dismissGitConflict(options: {
  actor: Actor;
  id: string;
  requestId?: string;
}): Promise<GitLinkView> {
  requirePermission(options.actor, "bundle:manage");
  return db.$transaction(async (tx) => {
    const link = await tx.gitLink.findUnique({ where: { id: options.id } });
    if (!link) throw notFound("Git link");
    const after = await tx.gitLink.update({ where: { id: link.id }, data: { conflict: Prisma.DbNull } });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "git_link.conflict_dismiss",
      target: { type: "git_link", id: link.id },
      before: { conflict: link.conflict },
      requestId: options.requestId,
    });
    return toGitLinkView(after);
  });
}
