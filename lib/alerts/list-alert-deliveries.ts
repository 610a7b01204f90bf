import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

export type AlertDeliveryView = {
  id: string;
  webhook: { id: string; name: string };
  kind: string;
  summary: string | null;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
};

/** The delivery log, newest first. */
export async function listAlertDeliveries(options: {
  actor: Actor;
  query: { webhookId?: string; state?: "pending" | "delivered" | "failed"; limit: number };
}): Promise<AlertDeliveryView[]> {
  requirePermission(options.actor, "alert:manage");
  const { webhookId, state, limit } = options.query;
  const rows = await db.alertDelivery.findMany({
    where: { webhookId, state },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    include: { webhook: { select: { id: true, name: true } }, firing: { select: { summary: true } } },
  });
  return rows.map((d) => ({
    id: d.id,
    webhook: d.webhook,
    kind: d.kind,
    summary: d.firing?.summary ?? null,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    nextAttemptAt: d.state === "pending" ? d.nextAttemptAt.toISOString() : null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  }));
}
