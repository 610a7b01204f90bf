import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { env } from "@/lib/core/env";
import { attemptDelivery, type DeliveryOutcome } from "@/lib/alerts/deliver-alerts";
import { renderAlertBody } from "@/lib/alerts/webhook-payload";

type AlertAction = { actor: Actor; id: string; requestId?: string };

/** Sends a delivery again now (a failed one, or one still waiting for its next retry). */
export async function redeliverAlert(options: AlertAction): Promise<DeliveryOutcome> {
  requirePermission(options.actor, "alert:manage");
  await db.$transaction(async (tx) => {
    const delivery = await tx.alertDelivery.findUnique({ where: { id: options.id }, select: { webhookId: true } });
    if (!delivery) throw notFound("Delivery");
    await tx.alertDelivery.update({ where: { id: options.id }, data: { state: "pending", attempts: 0 } });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "alert.redelivered",
      target: { type: "alert_delivery", id: options.id },
      after: { webhookId: delivery.webhookId },
      requestId: options.requestId,
    });
  });
  return attemptDelivery(options.id);
}

/** A test message to one webhook, sent at once, so an admin sees the receiver accept a signed request. */
export async function sendTestAlert(options: AlertAction): Promise<DeliveryOutcome> {
  requirePermission(options.actor, "alert:manage");
  const now = new Date();
  const delivery = await db.$transaction(async (tx) => {
    const webhook = await tx.alertWebhook.findUnique({ where: { id: options.id }, select: { format: true } });
    if (!webhook) throw notFound("Webhook");
    const body = renderAlertBody(
      webhook.format,
      {
        id: options.id,
        kind: "unhealthy_agents",
        key: "test",
        severity: "info",
        summary: `A test alert sent by ${options.actor.email}`,
        details: { test: true },
        firedAt: now,
      },
      `${env().VERDICT_PUBLIC_URL}/admin/alerts`,
    );
    const created = await tx.alertDelivery.create({
      data: { webhookId: options.id, kind: "test", body, nextAttemptAt: now },
    });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "alert.test_sent",
      target: { type: "alert_webhook", id: options.id },
      after: { deliveryId: created.id },
      requestId: options.requestId,
    });
    return created;
  });
  return attemptDelivery(delivery.id, now);
}
