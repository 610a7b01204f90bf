import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { seal } from "@/lib/core/secret-box";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { toWebhookView, WEBHOOK_VIEW_SELECT, type AlertWebhookView } from "@/lib/alerts/alert-webhook-view";
import { sealContext } from "@/lib/alerts/create-alert-webhook";
import { displayWebhookUrl } from "@/lib/alerts/webhook-payload";
import type { TUpdateAlertWebhook } from "@/lib/alerts/schemas";

type WebhookChange = { actor: Actor; id: string; requestId?: string };

/** Renames, re-points, re-subscribes, pauses or resumes a webhook; pending deliveries keep their body. */
export async function updateAlertWebhook(
  options: WebhookChange & { input: TUpdateAlertWebhook },
): Promise<AlertWebhookView> {
  const { actor, id, input } = options;
  requirePermission(actor, "alert:manage");
  return db.$transaction(async (tx) => {
    const before = await tx.alertWebhook.findUnique({ where: { id }, select: WEBHOOK_VIEW_SELECT });
    if (!before) throw notFound("Webhook");
    if (input.name && input.name !== before.name) {
      const clash = await tx.alertWebhook.findUnique({ where: { name: input.name }, select: { id: true } });
      if (clash) throw new AppError("conflict", `A webhook named "${input.name}" exists already`);
    }
    await tx.alertWebhook.update({
      where: { id },
      data: {
        name: input.name,
        format: input.format,
        kinds: input.kinds ? [...new Set(input.kinds)] : undefined,
        enabled: input.enabled,
        ...(input.url
          ? { urlSealed: seal(input.url, sealContext(id, "url")), urlDisplay: displayWebhookUrl(input.url) }
          : {}),
      },
    });
    const after = toWebhookView(
      await tx.alertWebhook.findUniqueOrThrow({ where: { id }, select: WEBHOOK_VIEW_SELECT }),
    );
    const { name, url, format, kinds, enabled } = toWebhookView(before);
    await recordAuditEvent(tx, {
      actor,
      action: "alert.webhook_updated",
      target: { type: "alert_webhook", id },
      before: { name, url, format, kinds, enabled },
      after: { name: after.name, url: after.url, format: after.format, kinds: after.kinds, enabled: after.enabled },
      requestId: options.requestId,
    });
    return after;
  });
}

/** Removes a webhook and its delivery log; the audit trail keeps that it existed. */
export async function deleteAlertWebhook(options: WebhookChange): Promise<void> {
  requirePermission(options.actor, "alert:manage");
  await db.$transaction(async (tx) => {
    const webhook = await tx.alertWebhook.findUnique({ where: { id: options.id }, select: { name: true } });
    if (!webhook) throw notFound("Webhook");
    await tx.alertWebhook.delete({ where: { id: options.id } });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "alert.webhook_deleted",
      target: { type: "alert_webhook", id: options.id },
      before: { name: webhook.name },
      requestId: options.requestId,
    });
  });
}
