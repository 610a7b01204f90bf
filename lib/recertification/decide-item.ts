import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { parseInput } from "@/lib/allowlists/create-service";
import { mayDecide } from "@/lib/recertification/proposal-actor";
import { proposeGrantChange, type GrantToChange } from "@/lib/recertification/propose-grant-change";
import { ZDecideItemRequest, type TDecideItemRequest } from "@/lib/recertification/schemas";
import type { NarrowEndpoint } from "@/lib/recertification/grant-evidence";

export type DecideResult = {
  itemId: string;
  decision: "keep" | "narrow" | "revoke";
  changeRequest: { number: number } | null;
};

/**
 * The grant's owner (or an admin) keeps, narrows or revokes one item. Narrow and revoke propose
 * an allowlist change request (normal review and publish); the grant stays as it is until then.
 * One decision per item: a second one is refused (409).
 */
export async function decideItem(options: {
  actor: Actor;
  campaignNumber: number;
  itemId: string;
  input: TDecideItemRequest;
  now?: Date;
  requestId?: string;
}): Promise<DecideResult> {
  const { actor } = options;
  requirePermission(actor, "allowlist:read");
  const input = parseInput(ZDecideItemRequest, options.input);
  const item = await db.recertificationItem.findFirst({
    where: { id: options.itemId, campaign: { number: options.campaignNumber } },
    include: { campaign: { select: { id: true, number: true, title: true, status: true } } },
  });
  if (!item) throw notFound("Recertification item");
  if (!mayDecide(actor, item.owner))
    throw new AppError("forbidden", `Only the grant's owner (${item.owner}) or an admin can decide this item`);
  if (item.campaign.status === "closed") throw new AppError("conflict", "The campaign is closed");
  if (item.decision) throw new AppError("conflict", `This item was already decided: ${item.decision}`);
  if (input.decision === "narrow" && !item.narrowTo)
    throw new AppError("unprocessable", "The evidence proposes no narrower grant for this item; keep or revoke it");

  // Claim the item first, so two people deciding at once cannot both propose a change.
  const claimed = await db.recertificationItem.updateMany({
    where: { id: item.id, decision: null },
    data: {
      decision: input.decision,
      decidedById: actor.userId,
      decidedAt: options.now ?? new Date(),
      note: input.note,
    },
  });
  if (claimed.count === 0) throw new AppError("conflict", "This item was decided meanwhile");

  let changeRequest: { number: number } | null = null;
  try {
    if (input.decision !== "keep") {
      const grant: GrantToChange = { ...item, entryId: item.entryId };
      changeRequest = await proposeGrantChange({
        decider: actor,
        grant,
        narrowTo: input.decision === "narrow" ? (item.narrowTo as NarrowEndpoint[]) : null,
        campaign: item.campaign.number,
        title: `Recertification #${item.campaign.number}: ${input.decision} ${item.caller} → ${item.service} ${item.method} ${item.path}`,
        description: [
          `${actor.name} <${actor.email}> decided "${input.decision}" in recertification campaign #${item.campaign.number} (${item.campaign.title}).`,
          `Evidence since the campaign's window start: ${item.requestCount} allowed requests, ${item.endpointCount} distinct endpoints, last used ${item.lastUsedAt?.toISOString() ?? "never"}.`,
          input.note ? `Note: ${input.note}` : "",
        ]
          .filter(Boolean)
          .join("\n\n"),
        requestId: options.requestId,
      });
    }
  } catch (error) {
    await db.recertificationItem.update({
      where: { id: item.id },
      data: { decision: null, decidedById: null, decidedAt: null, note: "" },
    });
    throw error;
  }

  await db.$transaction(async (tx) => {
    if (changeRequest)
      await tx.recertificationItem.update({
        where: { id: item.id },
        data: { changeRequestNumber: changeRequest.number },
      });
    await recordAuditEvent(tx, {
      actor,
      action: "recertification.decide",
      target: { type: "recertification_item", id: item.id },
      after: {
        campaign: item.campaign.number,
        entryId: item.entryId,
        grant: `${item.caller} → ${item.service} ${item.method} ${item.path}`,
        owner: item.owner,
        classification: item.classification,
        suggestion: item.suggestion,
        decision: input.decision,
        note: input.note,
        changeRequest: changeRequest?.number ?? null,
      },
      requestId: options.requestId,
    });
  });
  return { itemId: item.id, decision: input.decision, changeRequest };
}
