import { db } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor, type AuditActor } from "@/lib/auth/actor";
import { raiseAlert } from "@/lib/alerts/raise-alerts";

export type ReminderResult = { owners: number; via: "webhook" | "notice" | "none" };

/**
 * Reminds every owner with undecided items of a campaign: through the alert webhooks that
 * subscribe to `recertification_reminder` when any is enabled, else as in-app notices shown to
 * them in the console.
 */
export async function sendReminders(options: {
  actor: Actor;
  number: number;
  now?: Date;
  requestId?: string;
}): Promise<ReminderResult> {
  requirePermission(options.actor, "recertification:manage");
  const campaign = await db.recertificationCampaign.findUnique({ where: { number: options.number } });
  if (!campaign) throw notFound("Recertification campaign");
  if (campaign.status === "closed") throw new AppError("conflict", "The campaign is closed");
  return remindCampaign(options.actor, campaign.id, options.now ?? new Date(), options.requestId);
}

export async function remindCampaign(
  actor: AuditActor,
  campaignId: string,
  now: Date,
  requestId?: string,
): Promise<ReminderResult> {
  return db.$transaction(async (tx) => {
    const campaign = await tx.recertificationCampaign.findUniqueOrThrow({ where: { id: campaignId } });
    const pending = await tx.recertificationItem.groupBy({
      by: ["owner"],
      where: { campaignId, decision: null },
      _count: { _all: true },
      orderBy: { owner: "asc" },
    });
    if (pending.length === 0) return { owners: 0, via: "none" as const };
    const webhooks = await tx.alertWebhook.count({
      where: { enabled: true, kinds: { has: "recertification_reminder" } },
    });
    const overdue = campaign.dueAt < now;
    const link = `/admin/recertification/${campaign.number}`;
    const day = now.toISOString().slice(0, 10);
    for (const { owner, _count } of pending) {
      const summary = `${_count._all} allowlist grant${_count._all === 1 ? "" : "s"} of ${owner} to recertify in "${campaign.title}" (${overdue ? "overdue since" : "due"} ${campaign.dueAt.toISOString().slice(0, 10)})`;
      if (webhooks > 0) {
        await raiseAlert(
          tx,
          {
            kind: "recertification_reminder",
            key: `${campaign.number}:${owner}:${day}`,
            severity: overdue ? "warning" : "info",
            summary,
            details: {
              campaign: campaign.number,
              owner,
              pending: _count._all,
              dueAt: campaign.dueAt.toISOString(),
              overdue,
              url: `${env().VERDICT_PUBLIC_URL}${link}`,
            },
          },
          now,
        );
      } else {
        await tx.notice.create({
          data: { recipient: owner, kind: "recertification_reminder", title: summary, link, createdAt: now },
        });
      }
    }
    await tx.recertificationCampaign.update({ where: { id: campaignId }, data: { lastReminderAt: now } });
    const via = webhooks > 0 ? ("webhook" as const) : ("notice" as const);
    await recordAuditEvent(tx, {
      actor,
      action: "recertification.remind",
      target: { type: "recertification_campaign", id: campaignId },
      after: { number: campaign.number, owners: pending.map((p) => p.owner), via, overdue },
      requestId,
    });
    return { owners: pending.length, via };
  });
}
