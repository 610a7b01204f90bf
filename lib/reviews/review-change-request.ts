import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { can, requirePermission, type Actor } from "@/lib/auth/actor";
import { changeRequestContentHash } from "@/lib/change-requests/content-hash";
import { contentOf, loadItems, type ResolvedItem } from "@/lib/change-requests/change-request-items";
import type { TReviewRequest } from "@/lib/change-requests/schemas";
import { lockChangeRequest } from "@/lib/change-requests/lock-change-request";
import { runApprovalHooks } from "@/lib/change-requests/approval-hooks";

/**
 * Comment, approve or request changes. Approving needs the reviewer role and someone who wrote
 * none of it: not the change request's author, and not the author of any version it ships.
 * The approval records the content hash it saw; publish accepts it only for that exact content.
 */
export async function reviewChangeRequest(options: {
  actor: Actor;
  number: number;
  input: TReviewRequest;
  requestId?: string;
}) {
  const { actor, input } = options;
  requirePermission(actor, "policy:read");
  if (input.verdict === "comment" && !can(actor, "change:review") && !can(actor, "change:submit")) {
    throw new AppError("forbidden", "Commenting needs the author or reviewer role");
  }
  if (input.verdict !== "comment") requirePermission(actor, "change:review");
  const result = await db.$transaction(async (tx) => {
    const cr = await lockChangeRequest(tx, options.number);
    if (cr.status === "published" || cr.status === "closed")
      throw new AppError("conflict", `Change request #${cr.number} is ${cr.status}`);
    const items = await loadItems(tx, cr.id);
    // The stored hash is recomputed from the items themselves, so an approval can never attach to
    // a hash that does not describe what is actually in the change request.
    const contentHash = changeRequestContentHash(items.map(contentOf));
    if (contentHash !== cr.contentHash)
      throw new Error(`change request #${cr.number} content hash does not match its items`);
    if (input.verdict !== "comment") assertIndependentReviewer(actor, cr.authorId, items, cr.origin);
    const review = await tx.changeRequestReview.create({
      data: { changeRequestId: cr.id, reviewerId: actor.userId, verdict: input.verdict, body: input.body, contentHash },
    });
    const status =
      input.verdict === "approve" ? "approved" : input.verdict === "request_changes" ? "changes_requested" : cr.status;
    if (status !== cr.status) await tx.changeRequest.update({ where: { id: cr.id }, data: { status } });
    await recordAuditEvent(tx, {
      actor,
      action: `change_request.${input.verdict}`,
      target: { type: "change_request", id: cr.id },
      before: { status: cr.status },
      after: { status, contentHash, reviewId: review.id, body: input.body },
      requestId: options.requestId,
    });
    return { reviewId: review.id, status, id: cr.id, number: cr.number, wasApproved: cr.status === "approved" };
  });
  if (result.status === "approved" && !result.wasApproved) {
    await runApprovalHooks({
      id: result.id,
      number: result.number,
      approver: { userId: actor.userId, email: actor.email, name: actor.name },
      requestId: options.requestId,
    });
  }
  return { reviewId: result.reviewId, status: result.status };
}

function assertIndependentReviewer(actor: Actor, authorId: string, items: ResolvedItem[], origin: unknown): void {
  if (actor.userId === authorId) throw new AppError("forbidden", "You cannot review your own change request");
  if (requestedBy(origin) === actor.userId)
    throw new AppError("forbidden", "You asked for this change (recertification), so someone else must review it");
  if (items.some((i) => i.authorId === actor.userId))
    throw new AppError("forbidden", "You wrote a version in this change request, so someone else must review it");
}

export async function closeChangeRequest(options: {
  actor: Actor;
  number: number;
  reason: string;
  requestId?: string;
}) {
  const { actor } = options;
  requirePermission(actor, "change:submit");
  return db.$transaction(async (tx) => {
    const cr = await lockChangeRequest(tx, options.number);
    if (cr.authorId !== actor.userId) throw new AppError("forbidden", "Only the author can close a change request");
    if (cr.status === "published") throw new AppError("conflict", `Change request #${cr.number} is already published`);
    if (cr.status === "closed") return { status: "closed" as const };
    await tx.changeRequest.update({ where: { id: cr.id }, data: { status: "closed", closedAt: new Date() } });
    await recordAuditEvent(tx, {
      actor,
      action: "change_request.close",
      target: { type: "change_request", id: cr.id },
      before: { status: cr.status },
      after: { status: "closed", reason: options.reason },
      requestId: options.requestId,
    });
    return { status: "closed" as const };
  });
}

/** Who asked for a change request submitted on their behalf (a recertification decision), if anyone. */
function requestedBy(origin: unknown): string | null {
  if (typeof origin !== "object" || origin === null) return null;
  const o = origin as { type?: unknown; requestedById?: unknown };
  return o.type === "recertification" && typeof o.requestedById === "string" ? o.requestedById : null;
}
