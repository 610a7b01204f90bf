import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { removeMirror } from "@/lib/git-sync/git-mirror";
import { withLinkLock } from "@/lib/git-sync/link-lock";
import { auditedLink } from "@/lib/git-sync/git-link-view";

/** Unlinks: the mirror goes; change requests, versions and the commit record of the past stay in the audit trail. */
export async function deleteGitLink(options: { actor: Actor; id: string; requestId?: string }): Promise<void> {
  requirePermission(options.actor, "bundle:manage");
  await withLinkLock(options.id, async () => {
    await db.$transaction(async (tx) => {
      const link = await tx.gitLink.findUnique({ where: { id: options.id } });
      if (!link) throw notFound("Git link");
      await tx.gitLink.delete({ where: { id: link.id } });
      await recordAuditEvent(tx, {
        actor: options.actor,
        action: "git_link.delete",
        target: { type: "git_link", id: link.id },
        before: auditedLink(link),
        requestId: options.requestId,
      });
    });
    await removeMirror(options.id);
  });
}
