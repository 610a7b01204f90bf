import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { withLinkLock } from "@/lib/git-sync/link-lock";
import { commitInfo, ensureMirror, hasCommit, markApplied } from "@/lib/git-sync/git-mirror";
import { takeInCommit } from "@/lib/git-sync/sync-git-link";
import { proposeFromTree } from "@/lib/git-sync/propose-from-tree";
import { toGitLinkView, type GitLinkView } from "@/lib/git-sync/git-link-view";

/**
 * After a force-push (or a re-created branch), an admin takes the new head as the link's base:
 * its whole tree becomes one change request, reviewed like any other.
 */
export async function acceptRemoteHead(options: {
  actor: Actor;
  id: string;
  sha: string;
  requestId?: string;
}): Promise<{ link: GitLinkView; changeRequest: number | null }> {
  requirePermission(options.actor, "bundle:manage");
  return withLinkLock(options.id, async () => {
    const link = await db.gitLink.findUnique({ where: { id: options.id } });
    if (!link) throw notFound("Git link");
    if (link.state !== "force_pushed" || link.remoteHeadSha !== options.sha)
      throw new AppError("conflict", "That commit is not the force-pushed head this link is showing");
    const dir = await ensureMirror(link.id);
    if (!(await hasCommit(dir, options.sha))) throw new AppError("conflict", "Fetch the link again first");
    const existing = await db.gitLinkCommit.findUnique({
      where: { linkId_sha: { linkId: link.id, sha: options.sha } },
    });
    const number = existing ? null : await takeInCommit(dir, link, options.sha, true, proposeFromTree);
    await markApplied(dir, options.sha);
    const info = await commitInfo(dir, options.sha);
    const after = await db.$transaction(async (tx) => {
      const updated = await tx.gitLink.update({
        where: { id: link.id },
        data: { state: "ok", lastError: null, lastFetchedSha: options.sha, lastFetchedAt: new Date() },
      });
      await recordAuditEvent(tx, {
        actor: options.actor,
        action: "git_link.accept_head",
        target: { type: "git_link", id: link.id },
        before: { lastFetchedSha: link.lastFetchedSha, state: link.state },
        after: { lastFetchedSha: options.sha, author: info.authorEmail, changeRequest: number },
        requestId: options.requestId,
      });
      return updated;
    });
    return { link: toGitLinkView(after), changeRequest: number };
  });
}
