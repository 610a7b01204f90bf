import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { ApprovedChangeRequest } from "@/lib/change-requests/approval-hooks";
import { policyFilePath } from "@/lib/rego/policy-module";
import type { GitLink } from "@/lib/generated/prisma/client";
import { ensureMirror, markApplied, pushCommit, readTree, writeCommit } from "@/lib/git-sync/git-mirror";
import { remoteOf } from "@/lib/git-sync/git-link-secrets";
import { withLinkLock } from "@/lib/git-sync/link-lock";
import { describeGitError, SYNC_SYSTEM_ACTOR } from "@/lib/git-sync/sync-git-link";

export const VERDICT_COMMITTER = { name: "Verdict", email: "verdict@verdict.invalid" };

const inScope = (packagePath: string, root: string) =>
  !root || packagePath === root || packagePath.startsWith(`${root}.`);

/**
 * The approval hook: a change request written in Verdict's editor, once approved, is pushed as
 * one commit to every push-enabled link that covers one of its policies, authored by its author
 * with the approver in an `Approved-by:` trailer. Change requests that came from git are not
 * pushed back.
 */
export async function pushApprovedChange(approved: ApprovedChangeRequest): Promise<void> {
  const cr = await db.changeRequest.findUniqueOrThrow({
    where: { id: approved.id },
    include: {
      author: { select: { name: true, email: true } },
      items: {
        include: { policyVersion: { include: { policy: { select: { packagePath: true } } } } },
      },
    },
  });
  if (cr.origin) return;
  const versions = cr.items.flatMap((i) => (i.policyVersion ? [i.policyVersion] : []));
  if (versions.length === 0) return;
  const links = await db.gitLink.findMany({ where: { pushEnabled: true } });
  for (const link of links) {
    const mine = versions.filter((v) => inScope(v.policy.packagePath, link.packageRoot));
    if (mine.length === 0) continue;
    await withLinkLock(link.id, () =>
      pushToLink(
        link.id,
        { number: cr.number, title: cr.title, description: cr.description, id: cr.id, author: cr.author },
        mine.map((v) => ({ packagePath: v.policy.packagePath, source: v.source, testSource: v.testSource })),
        approved,
      ),
    ).catch((error: unknown) => logger.error({ err: error, link: link.id }, "pushing an approved change failed"));
  }
}

async function pushToLink(
  linkId: string,
  cr: { id: string; number: number; title: string; description: string; author: { name: string; email: string } },
  modules: Array<{ packagePath: string; source: string; testSource: string }>,
  approved: ApprovedChangeRequest,
): Promise<void> {
  const link = await db.gitLink.findUniqueOrThrow({ where: { id: linkId } });
  const base = link.lastFetchedSha;
  if (!base)
    return recordPushProblem(link, cr.number, null, "The link has not fetched the branch yet; nothing was pushed");
  try {
    const dir = await ensureMirror(link.id);
    const prefix = link.path ? `${link.path}/` : "";
    const current = await readTree(dir, base, link.path);
    const files = new Map<string, string>();
    for (const m of modules) {
      const file = policyFilePath(m.packagePath);
      if (current.get(file) !== m.source) files.set(prefix + file, m.source);
      const testFile = file.replace(/policy\.rego$/, "policy_test.rego");
      if (m.testSource && current.get(testFile) !== m.testSource) files.set(prefix + testFile, m.testSource);
    }
    if (files.size === 0) return;
    const message = [
      cr.title,
      "",
      ...(cr.description ? [cr.description, ""] : []),
      `Verdict-Change-Request: #${cr.number}`,
      `Approved-by: ${approved.approver.name} <${approved.approver.email}>`,
      "",
    ].join("\n");
    const sha = await writeCommit(dir, {
      parent: base,
      files,
      message,
      author: cr.author,
      committer: VERDICT_COMMITTER,
    });
    const outcome = await pushCommit(dir, remoteOf(link), sha, `refs/verdict/pending/cr-${cr.number}`);
    if (!outcome.pushed)
      return recordPushProblem(link, cr.number, sha, `Change request #${cr.number} was not pushed: ${outcome.reason}`);
    await markApplied(dir, sha);
    await db.$transaction(async (tx) => {
      await tx.gitLink.update({
        where: { id: link.id },
        data: { lastFetchedSha: sha, remoteHeadSha: sha, lastFetchedAt: new Date() },
      });
      await tx.gitLinkCommit.create({
        data: {
          linkId: link.id,
          sha,
          direction: "outbound",
          authorName: cr.author.name,
          authorEmail: cr.author.email,
          message,
          changeRequestId: cr.id,
        },
      });
      await recordAuditEvent(tx, {
        actor: SYNC_SYSTEM_ACTOR,
        action: "git_link.push",
        target: { type: "git_link", id: link.id },
        after: { commit: sha, parent: base, changeRequest: cr.number, approvedBy: approved.approver.email },
        requestId: approved.requestId,
      });
    });
  } catch (error) {
    await recordPushProblem(
      link,
      cr.number,
      null,
      `Change request #${cr.number} was not pushed: ${describeGitError(error)}`,
    );
  }
}

/** A refused or failed push is shown on the link; the approved change request stays as it is. */
async function recordPushProblem(link: GitLink, number: number, commit: string | null, message: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const conflict = {
      changeRequest: number,
      commit,
      base: link.lastFetchedSha,
      message,
      at: new Date().toISOString(),
    };
    await tx.gitLink.update({
      where: { id: link.id },
      data: { conflict, lastError: message, lastErrorAt: new Date() },
    });
    await recordAuditEvent(tx, {
      actor: SYNC_SYSTEM_ACTOR,
      action: "git_link.push_refused",
      target: { type: "git_link", id: link.id },
      after: conflict,
    });
  });
}
