import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { newWebhookSecret } from "@/lib/git-sync/git-link-secrets";

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
