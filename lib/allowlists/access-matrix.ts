import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

/**
 * Services × callers, compact enough to ship whole to the browser (500 × 2,000 with 100,000
 * grants is about 1.5 MB of JSON): names once, then one [service, caller, active, expired]
 * tuple per non-empty cell, indexes into the two name lists.
 */
export type AccessMatrix = {
  services: Array<{ name: string; trustDomain: string; ownerTeam: string }>;
  callers: string[];
  cells: Array<[service: number, caller: number, active: number, expired: number]>;
  generatedAt: string;
};

type CellRow = { service: string; caller_id: string; active: number; expired: number };

export async function getAccessMatrix(options: { actor: Actor }): Promise<AccessMatrix> {
  requirePermission(options.actor, "allowlist:read");
  const services = await db.service.findMany({
    orderBy: { name: "asc" },
    select: { name: true, trustDomain: true, ownerTeam: true },
  });
  const rows = await db.$queryRaw<CellRow[]>`
    SELECT s.name AS service, e.caller_id,
           (count(*) FILTER (WHERE e.expires_at IS NULL OR e.expires_at > now()))::int AS active,
           (count(*) FILTER (WHERE e.expires_at <= now()))::int AS expired
      FROM allowlist_entries e
      JOIN service_endpoints p ON p.id = e.endpoint_id
      JOIN services s ON s.id = p.service_id
     GROUP BY s.name, e.caller_id`;
  const serviceIndex = new Map(services.map((s, i) => [s.name, i]));
  const callers = [...new Set(rows.map((r) => r.caller_id))].sort();
  const callerIndex = new Map(callers.map((c, i) => [c, i]));
  return {
    services,
    callers,
    cells: rows.map((r) => [serviceIndex.get(r.service)!, callerIndex.get(r.caller_id)!, r.active, r.expired]),
    generatedAt: new Date().toISOString(),
  };
}
