import { db, type Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { changeRequestContentHash } from "@/lib/change-requests/content-hash";
import { lockChangeRequest } from "@/lib/change-requests/lock-change-request";
import { contentOf, resolveItemInputs, toItemRows } from "@/lib/change-requests/change-request-items";
import type { TCreateChangeRequestRequest, TUpdateChangeRequestRequest } from "@/lib/change-requests/schemas";

/** Where a change request came from when not the editor: a git commit (shown, shipped in the manifest). */
export type ChangeRequestOrigin = {
  type: "git";
  linkId: string;
  remote: string;
  branch: string;
  commit: string;
  author: { name: string; email: string };
};

/** A change submitted on someone's behalf by a recertification decision: whoever asked may not approve it. */
export type RecertificationOrigin = {
  type: "recertification";
  campaign: number | null;
  requestedById: string;
  requestedBy: string;
};

type CreateOptions = {
  actor: Actor;
  input: TCreateChangeRequestRequest;
  origin?: ChangeRequestOrigin | RecertificationOrigin;
  requestId?: string;
};

/** An author submits policy versions (and later other kinds of change) for review. */
export async function createChangeRequest(options: CreateOptions): Promise<{ id: string; number: number }> {
  requirePermission(options.actor, "change:submit");
  return db.$transaction((tx) => createChangeRequestIn(tx, options));
}

/** The same, inside a transaction that also writes what the change request ships (a repository import). */
export async function createChangeRequestIn(tx: Tx, options: CreateOptions): Promise<{ id: string; number: number }> {
  const { actor, input } = options;
  requirePermission(actor, "change:submit");
  const items = await resolveItemInputs(tx, input.items);
  const contentHash = changeRequestContentHash(items.map(contentOf));
  const created = await tx.changeRequest.create({
    data: {
      title: input.title,
      description: input.description,
      contentHash,
      authorId: actor.userId,
      ...(options.origin ? { origin: options.origin } : {}),
      items: { create: toItemRows(items) },
    },
  });
  await recordAuditEvent(tx, {
    actor,
    action: "change_request.submit",
    target: { type: "change_request", id: created.id },
    after: {
      number: created.number,
      title: created.title,
      contentHash,
      items: items.map(contentOf),
      ...(options.origin ? { origin: options.origin } : {}),
    },
    requestId: options.requestId,
  });
  return { id: created.id, number: created.number };
}

/**
 * The author edits title, description or items. New items mean new content: every approval of
 * the old content is voided (and recorded), and the request goes back to review.
 */
export async function updateChangeRequest(options: {
  actor: Actor;
  number: number;
  input: TUpdateChangeRequestRequest;
  requestId?: string;
}): Promise<{ id: string; number: number; approvalsVoided: number }> {
  const { actor, input } = options;
  requirePermission(actor, "change:submit");
  return db.$transaction(async (tx) => {
    const cr = await lockChangeRequest(tx, options.number);
    if (cr.authorId !== actor.userId) throw new AppError("forbidden", "Only the author can change a change request");
    if (cr.status === "published" || cr.status === "closed")
      throw new AppError("conflict", `Change request #${cr.number} is ${cr.status} and can no longer change`);
    let contentHash = cr.contentHash;
    let voided = 0;
    if (input.items) {
      const items = await resolveItemInputs(tx, input.items);
      contentHash = changeRequestContentHash(items.map(contentOf));
      await tx.changeRequestItem.deleteMany({ where: { changeRequestId: cr.id } });
      await tx.changeRequestItem.createMany({
        data: toItemRows(items).map((row) => ({ ...row, changeRequestId: cr.id })),
      });
      if (contentHash !== cr.contentHash) voided = await voidApprovals(tx, actor, cr, contentHash, options.requestId);
    }
    const status = contentHash !== cr.contentHash && cr.status !== "open" ? "open" : cr.status;
    await tx.changeRequest.update({
      where: { id: cr.id },
      data: {
        contentHash,
        status,
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "change_request.update",
      target: { type: "change_request", id: cr.id },
      before: { title: cr.title, contentHash: cr.contentHash, status: cr.status },
      after: {
        title: input.title ?? cr.title,
        contentHash,
        status,
        descriptionChanged: input.description !== undefined,
      },
      requestId: options.requestId,
    });
    return { id: cr.id, number: cr.number, approvalsVoided: voided };
  });
}

async function voidApprovals(
  tx: Tx,
  actor: Actor,
  cr: { id: string; contentHash: string },
  newHash: string,
  requestId?: string,
): Promise<number> {
  const approvals = await tx.changeRequestReview.findMany({
    where: { changeRequestId: cr.id, verdict: "approve", voidedAt: null },
    include: { reviewer: { select: { email: true } } },
  });
  if (approvals.length === 0) return 0;
  await tx.changeRequestReview.updateMany({
    where: { id: { in: approvals.map((a) => a.id) } },
    data: { voidedAt: new Date() },
  });
  await recordAuditEvent(tx, {
    actor,
    action: "change_request.approvals_voided",
    target: { type: "change_request", id: cr.id },
    before: { contentHash: cr.contentHash, approvedBy: approvals.map((a) => a.reviewer.email) },
    after: { contentHash: newHash },
    requestId,
  });
  return approvals.length;
}
