import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { toWebhookView, WEBHOOK_VIEW_SELECT, type AlertWebhookView } from "@/lib/alerts/alert-webhook-view";

export async function listAlertWebhooks(options: { actor: Actor }): Promise<AlertWebhookView[]> {
  requirePermission(options.actor, "alert:manage");
  const rows = await db.alertWebhook.findMany({ orderBy: { name: "asc" }, select: WEBHOOK_VIEW_SELECT });
  return rows.map(toWebhookView);
}
