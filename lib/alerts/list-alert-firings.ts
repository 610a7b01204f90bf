import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

export type AlertFiringView = {
  id: string;
  kind: string;
  severity: string;
  summary: string;
  firedAt: string;
  resolvedAt: string | null;
};

/** The alerts that fired, newest first: those still firing, and the recent history. */
export async function listAlertFirings(options: { actor: Actor; limit?: number }): Promise<AlertFiringView[]> {
  requirePermission(options.actor, "alert:manage");
  const rows = await db.alertFiring.findMany({
    orderBy: [{ firedAt: "desc" }, { id: "desc" }],
    take: options.limit ?? 50,
    select: { id: true, kind: true, severity: true, summary: true, firedAt: true, resolvedAt: true },
  });
  return rows.map((f) => ({ ...f, firedAt: f.firedAt.toISOString(), resolvedAt: f.resolvedAt?.toISOString() ?? null }));
}
