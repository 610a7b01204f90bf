import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";

/** An admin closes a campaign: no more decisions; undecided items stay undecided in the report. */
export async function closeCampaign(options: { actor: Actor; number: number; now?: Date; requestId?: string }) {
  const { actor } = options;
  requirePermission(actor, "recertification:manage");
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const campaign = await tx.recertificationCampaign.findUnique({ where: { number: options.number } });
    if (!campaign) throw notFound("Recertification campaign");
    if (campaign.status === "closed") throw new AppError("conflict", "The campaign is already closed");
    const claimed = await tx.recertificationCampaign.updateMany({
      where: { id: campaign.id, status: "open" },
      data: { status: "closed", closedAt: now, closedById: actor.userId },
    });
    if (claimed.count === 0) throw new AppError("conflict", "The campaign is already closed");
    const byDecision = await tx.recertificationItem.groupBy({
      by: ["decision"],
      where: { campaignId: campaign.id },
      _count: { _all: true },
    });
    const counts = Object.fromEntries(byDecision.map((g) => [g.decision ?? "undecided", g._count._all]));
    await recordAuditEvent(tx, {
      actor,
      action: "recertification.close",
      target: { type: "recertification_campaign", id: campaign.id },
      before: { status: "open" },
      after: { status: "closed", number: campaign.number, decisions: counts },
      requestId: options.requestId,
    });
    return { number: campaign.number, status: "closed" as const, decisions: counts };
  });
}
