import { randomUUID } from "node:crypto";
import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { Prisma, type GitLink } from "@/lib/generated/prisma/client";
import { newWebhookSecret, sealCredential } from "@/lib/git-sync/git-link-secrets";
import { removeMirror } from "@/lib/git-sync/git-mirror";
import { withLinkLock } from "@/lib/git-sync/link-lock";
import { commitInfo, ensureMirror, hasCommit, markApplied } from "@/lib/git-sync/git-mirror";
import { takeInCommit } from "@/lib/git-sync/sync-git-link";
import { proposeFromTree } from "@/lib/git-sync/propose-from-tree";
import { tokenTransportProblem, type TCreateGitLinkRequest, type TUpdateGitLinkRequest } from "@/lib/git-sync/schemas";

/** What the API shows of a link: never the token, deploy key or webhook secret. */
export type GitLinkView = {
  id: string;
  name: string;
  remoteUrl: string;
  branch: string;
  path: string;
  packageRoot: string;
  authKind: GitLink["authKind"];
  pollIntervalSeconds: number | null;
  pushEnabled: boolean;
  state: GitLink["state"];
  lastFetchedSha: string | null;
  lastFetchedAt: string | null;
  remoteHeadSha: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  conflict: unknown;
  createdAt: string;
};

export function toGitLinkView(l: GitLink): GitLinkView {
  return {
    id: l.id,
    name: l.name,
    remoteUrl: l.remoteUrl,
    branch: l.branch,
    path: l.path,
    packageRoot: l.packageRoot,
    authKind: l.authKind,
    pollIntervalSeconds: l.pollIntervalSeconds,
    pushEnabled: l.pushEnabled,
    state: l.state,
    lastFetchedSha: l.lastFetchedSha,
    lastFetchedAt: l.lastFetchedAt?.toISOString() ?? null,
    remoteHeadSha: l.remoteHeadSha,
    lastError: l.lastError,
    lastErrorAt: l.lastErrorAt?.toISOString() ?? null,
    conflict: l.conflict ?? null,
    createdAt: l.createdAt.toISOString(),
  };
}

/** What was set, for the audit trail: which kind of credential, never its value. */
const audited = (l: GitLink) => {
  const { name, remoteUrl, branch, path, packageRoot, authKind, pollIntervalSeconds, pushEnabled } = toGitLinkView(l);
  return { name, remoteUrl, branch, path, packageRoot, authKind, pollIntervalSeconds, pushEnabled };
};

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
      after: audited(created),
      requestId: options.requestId,
    });
    return created;
  });
  return { link: toGitLinkView(link), webhookSecret: webhook.secret };
}

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
      before: audited(before),
      after: { ...audited(after), credentialReplaced: Boolean(input.auth) },
      requestId: options.requestId,
    });
    return toGitLinkView(after);
  });
}

export async function rotateWebhookSecret(options: {
  actor: Actor;
  id: string;
  requestId?: string;
}): Promise<{ webhookSecret: string }> {
  requirePermission(options.actor, "bundle:manage");
  const webhook = newWebhookSecret(options.id);
  await db.$transaction(async (tx) => {
    const link = await tx.gitLink.findUnique({ where: { id: options.id }, select: { id: true } });
    if (!link) throw notFound("Git link");
    await tx.gitLink.update({ where: { id: link.id }, data: { webhookSecretSealed: webhook.sealed } });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "git_link.webhook_secret_rotate",
      target: { type: "git_link", id: link.id },
      requestId: options.requestId,
    });
  });
  return { webhookSecret: webhook.secret };
}

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
        before: audited(link),
        requestId: options.requestId,
      });
    });
    await removeMirror(options.id);
  });
}

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
