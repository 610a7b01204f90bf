import { db, type Tx } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { logger } from "@/lib/core/logger";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor, type AuditActor } from "@/lib/auth/actor";
import type { GitLink, GitLinkState } from "@/lib/generated/prisma/client";
import { GitCommandError } from "@/lib/git-sync/run-git";
import {
  commitInfo,
  commitsBetween,
  ensureMirror,
  fetchBranch,
  GIT_LIMITS,
  type GitLimits,
  hasCommit,
  isAncestor,
  markApplied,
  readTree,
  remoteHead,
  touchesPath,
} from "@/lib/git-sync/git-mirror";
import { remoteOf } from "@/lib/git-sync/git-link-secrets";
import { commitActor } from "@/lib/git-sync/git-actor";
import { withLinkLock } from "@/lib/git-sync/link-lock";
import { proposeFromTree, type ProposeFromTree } from "@/lib/git-sync/propose-from-tree";

export type SyncResult = {
  state: GitLinkState;
  lastFetchedSha: string | null;
  remoteHeadSha: string | null;
  changeRequests: number[];
  error: string | null;
};

export const SYNC_SYSTEM_ACTOR: AuditActor = { type: "system", label: "git-sync" };

/** Keeps only the files of packages the link covers (all of them when it has no package root). */
export function filesInScope(files: Map<string, string>, packageRoot: string): Map<string, string> {
  if (!packageRoot) return files;
  const prefix = packageRoot.split(".").join("/");
  return new Map([...files].filter(([file]) => file === prefix || file.startsWith(`${prefix}/`)));
}

/**
 * Fetches the link's branch and turns each new commit that changes the linked path into a change
 * request, oldest first. A force-push (the new head does not descend from the last fetched
 * commit) or a deleted branch is recorded on the link and nothing is applied. A commit that
 * cannot be read or proposed stops the sync at the commit before it, with the error on the link.
 */
export async function syncGitLink(
  linkId: string,
  options: {
    trigger: "poll" | "webhook" | "manual";
    actor?: AuditActor;
    propose?: ProposeFromTree;
    limits?: Pick<GitLimits, "repositoryBytes">;
  } = {
    trigger: "manual",
  },
): Promise<SyncResult> {
  return withLinkLock(linkId, async () => {
    const link = await db.gitLink.findUnique({ where: { id: linkId } });
    if (!link) throw notFound("Git link");
    const actor = options.actor ?? SYNC_SYSTEM_ACTOR;
    const created: number[] = [];
    try {
      return await syncLocked(link, actor, options.propose ?? proposeFromTree, created, options.limits ?? GIT_LIMITS);
    } catch (error) {
      const message = describeGitError(error);
      logger.warn({ link: link.id, trigger: options.trigger, error: message }, "git link sync failed");
      await setState(link, actor, { state: "error", lastError: message }, "git_link.sync_failed");
      return {
        state: "error",
        lastFetchedSha: link.lastFetchedSha,
        remoteHeadSha: link.remoteHeadSha,
        changeRequests: created,
        error: message,
      };
    }
  });
}

async function syncLocked(
  link: GitLink,
  actor: AuditActor,
  propose: ProposeFromTree,
  created: number[],
  limits: Pick<GitLimits, "repositoryBytes">,
): Promise<SyncResult> {
  const dir = await ensureMirror(link.id);
  const remote = remoteOf(link);
  const head = await remoteHead(dir, remote);
  const result = (
    state: GitLinkState,
    error: string | null,
    lastFetchedSha: string | null,
    remoteHeadSha: string | null,
  ) => ({ state, error, lastFetchedSha, remoteHeadSha, changeRequests: created }) satisfies SyncResult;
  if (!head) {
    const error = `The branch ${link.branch} does not exist on the remote (deleted?); nothing was applied`;
    await setState(
      link,
      actor,
      { state: "branch_deleted", lastError: error, remoteHeadSha: null },
      "git_link.branch_deleted",
    );
    return result("branch_deleted", error, link.lastFetchedSha, null);
  }
  if (head === link.lastFetchedSha) {
    await setState(link, actor, { state: "ok", lastError: null, remoteHeadSha: head }, null);
    return result("ok", null, head, head);
  }
  const fetched = await fetchBranch(dir, remote, limits);
  const base = link.lastFetchedSha;
  if (base && !((await hasCommit(dir, base)) && (await isAncestor(dir, base, fetched)))) {
    const error = `The branch was force-pushed: ${fetched.slice(0, 12)} does not descend from ${base.slice(0, 12)}; nothing was applied`;
    await setState(
      link,
      actor,
      { state: "force_pushed", lastError: error, remoteHeadSha: fetched },
      "git_link.force_pushed",
    );
    return result("force_pushed", error, base, fetched);
  }
  const commits = base ? await commitsBetween(dir, base, fetched) : [fetched];
  const recorded = new Set(
    (await db.gitLinkCommit.findMany({ where: { linkId: link.id, sha: { in: commits } }, select: { sha: true } })).map(
      (c) => c.sha,
    ),
  );
  let applied = base;
  for (const sha of commits) {
    if (!recorded.has(sha)) {
      const changeRequest = await takeInCommit(dir, link, sha, base === null, propose);
      if (changeRequest) created.push(changeRequest);
    }
    applied = sha;
    await markApplied(dir, sha);
    await db.gitLink.update({ where: { id: link.id }, data: { lastFetchedSha: sha, lastFetchedAt: new Date() } });
  }
  await setState(
    link,
    actor,
    { state: "ok", lastError: null, remoteHeadSha: fetched, lastFetchedAt: new Date() },
    null,
  );
  return result("ok", null, applied, fetched);
}

/** One commit → (maybe) one change request, recorded against the link in the same transaction. Returns its number. */
export async function takeInCommit(
  dir: string,
  link: GitLink,
  sha: string,
  wholeTree: boolean,
  propose: ProposeFromTree,
): Promise<number | null> {
  const info = await commitInfo(dir, sha);
  let number: number | null = null;
  const record = async (tx: Tx, changeRequestId: string | null) => {
    const cr = changeRequestId
      ? await tx.changeRequest.findUniqueOrThrow({ where: { id: changeRequestId }, select: { number: true } })
      : null;
    await tx.gitLinkCommit.create({
      data: {
        linkId: link.id,
        sha,
        direction: "inbound",
        authorName: info.authorName,
        authorEmail: info.authorEmail,
        message: info.message.slice(0, 10_000),
        changeRequestId,
      },
    });
    await recordAuditEvent(tx, {
      actor: SYNC_SYSTEM_ACTOR,
      action: "git_link.commit_received",
      target: { type: "git_link", id: link.id },
      after: { commit: sha, author: info.authorEmail, changeRequest: cr?.number ?? null },
    });
    number = cr?.number ?? null;
  };
  if (!(wholeTree || (await touchesPath(dir, sha, link.path)))) {
    await db.$transaction((tx) => record(tx, null));
    return null;
  }
  const files = filesInScope(await readTree(dir, sha, link.path), link.packageRoot);
  const actor = await commitActor(info.authorEmail);
  try {
    await propose({
      files,
      commit: info,
      linkId: link.id,
      actor,
      origin: {
        type: "git",
        linkId: link.id,
        remote: link.remoteUrl,
        branch: link.branch,
        commit: sha,
        author: { name: info.authorName, email: info.authorEmail },
      },
      record,
    });
  } catch (error) {
    if (error instanceof AppError)
      throw new AppError(error.code, `Commit ${sha.slice(0, 12)}: ${error.message}`, error);
    throw error;
  }
  return number;
}

async function setState(
  link: GitLink,
  actor: AuditActor,
  change: { state: GitLinkState; lastError: string | null; remoteHeadSha?: string | null; lastFetchedAt?: Date },
  auditAction: string | null,
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.gitLink.update({
      where: { id: link.id },
      data: { ...change, lastErrorAt: change.lastError ? new Date() : link.lastErrorAt },
    });
    // A state that persists is recorded once, when it starts.
    if (auditAction && (link.state !== change.state || link.lastError !== change.lastError)) {
      await recordAuditEvent(tx, {
        actor,
        action: auditAction,
        target: { type: "git_link", id: link.id },
        before: { state: link.state },
        after: { state: change.state, error: change.lastError, remoteHead: change.remoteHeadSha ?? null },
      });
    }
  });
}

/** A one-line reason for the link page; git's own words for a git failure, never a credential. */
export function describeGitError(error: unknown): string {
  if (error instanceof AppError) return error.message;
  if (error instanceof GitCommandError) {
    const text = error.stderr;
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(text))
      return "The remote's SSH host key differs from the one pinned when the link first connected; if the server's key really changed, link the repository again";
    if (/Authentication failed|could not read Username|Permission denied|403|401/i.test(text))
      return "The remote refused the credentials (wrong token or deploy key, or no access)";
    if (/Could not resolve host|Name or service not known|not known|unable to look up/i.test(text))
      return "The remote's host name does not resolve";
    if (/Connection refused|timed out|unable to connect/i.test(text)) return "The remote could not be reached";
    if (/not found|does not appear to be a git repository/i.test(text)) return "The remote repository was not found";
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** An admin's "fetch now": recorded, then the same sync as a poll. */
export async function requestGitLinkSync(options: {
  actor: Actor;
  id: string;
  requestId?: string;
}): Promise<SyncResult> {
  requirePermission(options.actor, "bundle:manage");
  await db.$transaction(async (tx) => {
    if (!(await tx.gitLink.findUnique({ where: { id: options.id }, select: { id: true } }))) throw notFound("Git link");
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "git_link.sync",
      target: { type: "git_link", id: options.id },
      requestId: options.requestId,
    });
  });
  return syncGitLink(options.id, { trigger: "manual", actor: options.actor });
}
