import { db, type Tx } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { ALERT_KINDS, type Alert } from "@/lib/alerts/alert-kinds";
import { detectAlerts, type AlertThresholds } from "@/lib/alerts/detect-alerts";
import { renderAlertBody } from "@/lib/alerts/webhook-payload";

export type EvaluationReport = { fired: Alert[]; resolved: number };

/**
 * Checks every condition, fires those that newly hold (one delivery per subscribed, enabled
 * webhook) and resolves those that no longer hold, so a condition that stays true is sent once.
 */
export async function evaluateAlerts(
  options: { now?: Date; thresholds?: AlertThresholds } = {},
): Promise<EvaluationReport> {
  const now = options.now ?? new Date();
  const detected = await detectAlerts(now, options.thresholds);
  return db.$transaction(async (tx) => {
    const active = await tx.alertFiring.findMany({
      where: { resolvedAt: null },
      select: { id: true, kind: true, key: true },
    });
    const activeKeys = new Set(active.map((f) => `${f.kind}\n${f.key}`));
    const detectedKeys = new Set(detected.map((a) => `${a.kind}\n${a.key}`));
    const fired = detected.filter((a) => !activeKeys.has(`${a.kind}\n${a.key}`));
    for (const alert of fired) await fire(tx, alert, now, null);
    const cleared = active.filter(
      (f) => f.kind in ALERT_KINDS && ALERT_KINDS[f.kind as Alert["kind"]].type === "condition",
    );
    const resolvedIds = cleared.filter((f) => !detectedKeys.has(`${f.kind}\n${f.key}`)).map((f) => f.id);
    if (resolvedIds.length > 0)
      await tx.alertFiring.updateMany({ where: { id: { in: resolvedIds } }, data: { resolvedAt: now } });
    return { fired, resolved: resolvedIds.length };
  });
}

/** An event alert (e.g. a rollout aborted): fired and resolved at once, delivered every time. */
export async function raiseAlert(tx: Tx, alert: Alert, now = new Date()): Promise<void> {
  await fire(tx, alert, now, now);
}

async function fire(tx: Tx, alert: Alert, now: Date, resolvedAt: Date | null): Promise<void> {
  const firing = await tx.alertFiring.create({
    data: {
      kind: alert.kind,
      key: alert.key,
      severity: alert.severity,
      summary: alert.summary,
      details: alert.details as object,
      firedAt: now,
      resolvedAt,
    },
  });
  const webhooks = await tx.alertWebhook.findMany({
    where: { enabled: true, kinds: { has: alert.kind } },
    select: { id: true, format: true },
  });
  if (webhooks.length === 0) return;
  const consoleUrl = `${env().VERDICT_PUBLIC_URL}/admin/alerts`;
  await tx.alertDelivery.createMany({
    data: webhooks.map((w) => ({
      webhookId: w.id,
      firingId: firing.id,
      kind: alert.kind,
      body: renderAlertBody(w.format, { ...alert, id: firing.id, firedAt: now }, consoleUrl),
      nextAttemptAt: now,
    })),
  });
}
