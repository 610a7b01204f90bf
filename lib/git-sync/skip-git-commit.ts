import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { commitInfo, commitsBetween, ensureMirror, fetchedHead, markApplied } from "@/lib/git-sync/git-mirror";
import { toGitLinkView, type GitLinkView } from "@/lib/git-sync/git-link-view";
import { withLinkLock } from "@/lib/git-sync/link-lock";

/**
 * Passes over the commit a link is stopped at because it cannot be taken in (a module that does
 * not compile, a symlink…), so that a later commit that fixes it is not blocked forever. The
 * commit is recorded on the link without a change request and the link moves on to it; nothing
 * of it reaches Verdict's policies. Only the commit right after the last one taken in, while
 * the link shows an error, can be skipped.
 */
export async function skipGitCommit(options: {
  actor: Actor;
  id: string;
  sha: string;
  requestId?: string;
}): Promise<GitLinkView> {
  requirePermission(options.actor, "bundle:manage");
  return withLinkLock(options.id, async () => {
    const link = await db.gitLink.findUnique({ where: { id: options.id } });
    if (!link) throw notFound("Git link");
    if (link.state !== "error")
      throw new AppError("conflict", "Only a commit the link is stopped at (the link shows an error) can be skipped");
    const dir = await ensureMirror(link.id);
    const fetched = await fetchedHead(dir);
    const next = !fetched
      ? null
      : link.lastFetchedSha
        ? ((await commitsBetween(dir, link.lastFetchedSha, fetched).catch(() => []))[0] ?? null)
        : fetched;
    if (next !== options.sha)
      throw new AppError(
        "conflict",
        next
          ? `The link is stopped before ${next.slice(0, 12)}, not ${options.sha.slice(0, 12)}`
          : "The link has no fetched commit to skip; fetch it again first",
        { extra: { next } },
      );
    const info = await commitInfo(dir, options.sha);
    const after = await db.$transaction(async (tx) => {
      await tx.gitLinkCommit.create({
        data: {
          linkId: link.id,
          sha: options.sha,
          direction: "inbound",
          authorName: info.authorName,
          authorEmail: info.authorEmail,
          message: info.message.slice(0, 10_000),
          changeRequestId: null,
        },
      });
      const updated = await tx.gitLink.update({
        where: { id: link.id },
        data: { state: "ok", lastError: null, lastFetchedSha: options.sha, lastFetchedAt: new Date() },
      });
      await recordAuditEvent(tx, {
        actor: options.actor,
        action: "git_link.commit_skip",
        target: { type: "git_link", id: link.id },
        before: { lastFetchedSha: link.lastFetchedSha, state: link.state, error: link.lastError },
        after: { lastFetchedSha: options.sha, author: info.authorEmail },
        requestId: options.requestId,
      });
      return updated;
    });
    await markApplied(dir, options.sha);
    return toGitLinkView(after);
  });
}
