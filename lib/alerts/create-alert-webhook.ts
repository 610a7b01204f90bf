import { randomBytes, randomUUID } from "node:crypto";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { seal } from "@/lib/core/secret-box";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { toWebhookView, WEBHOOK_VIEW_SELECT, type AlertWebhookView } from "@/lib/alerts/alert-webhook-view";
import { displayWebhookUrl } from "@/lib/alerts/webhook-payload";
import type { TCreateAlertWebhook } from "@/lib/alerts/schemas";

/** Sealing contexts: a sealed URL or secret copied into another row or field does not open there. */
export const sealContext = (id: string, field: "url" | "secret") => `alert-webhook:${id}:${field}`;

/** A new webhook; the signing secret is returned this once (generated when none was given). */
export async function createAlertWebhook(options: {
  actor: Actor;
  input: TCreateAlertWebhook;
  requestId?: string;
}): Promise<{ webhook: AlertWebhookView; secret: string }> {
  const { actor, input } = options;
  requirePermission(actor, "alert:manage");
  const id = randomUUID();
  const secret = input.secret ?? `whsec_${randomBytes(32).toString("base64url")}`;
  const kinds = [...new Set(input.kinds)];
  return db.$transaction(async (tx) => {
    if (await tx.alertWebhook.findUnique({ where: { name: input.name }, select: { id: true } }))
      throw new AppError("conflict", `A webhook named "${input.name}" exists already`);
    await tx.alertWebhook.create({
      data: {
        id,
        name: input.name,
        urlSealed: seal(input.url, sealContext(id, "url")),
        urlDisplay: displayWebhookUrl(input.url),
        secretSealed: seal(secret, sealContext(id, "secret")),
        format: input.format,
        kinds,
        createdById: actor.userId,
      },
    });
    const webhook = toWebhookView(
      await tx.alertWebhook.findUniqueOrThrow({ where: { id }, select: WEBHOOK_VIEW_SELECT }),
    );
    await recordAuditEvent(tx, {
      actor,
      action: "alert.webhook_created",
      target: { type: "alert_webhook", id },
      after: { name: webhook.name, url: webhook.url, format: webhook.format, kinds },
      requestId: options.requestId,
    });
    return { webhook, secret };
  });
}
