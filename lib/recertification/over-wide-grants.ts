import { notFound } from "@/lib/core/errors";
import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { grantEvidence, type GrantEvidence } from "@/lib/recertification/grant-evidence";
import { scopeGrants, type ScopedGrant } from "@/lib/recertification/scope-grants";

const DAY_MS = 86_400_000;

export type OverWideGrant = Omit<ScopedGrant, "expiresAt" | "createdAt"> & {
  expiresAt: string | null;
  requestCount: string;
  lastUsedAt: string | null;
  endpointCount: number;
  endpoints: GrantEvidence["endpoints"];
  narrowTo: NonNullable<GrantEvidence["narrowTo"]>;
};

/** A service's grants that are wider than their use over the last `days` days, with the narrower endpoints. */
export async function overWideGrants(options: {
  actor: Actor;
  service: string;
  days: number;
  now?: Date;
}): Promise<OverWideGrant[]> {
  requirePermission(options.actor, "allowlist:read");
  if (!(await db.service.findUnique({ where: { name: options.service }, select: { id: true } })))
    throw notFound("Service");
  const now = options.now ?? new Date();
  const grants = await scopeGrants({ kind: "service", service: options.service });
  const evidence = await grantEvidence(grants, { from: new Date(now.getTime() - options.days * DAY_MS), to: now });
  return grants.flatMap(({ createdAt: _c, ...g }) => {
    const e = evidence.get(g.id)!;
    if (!e.narrowTo) return [];
    return [
      {
        ...g,
        expiresAt: g.expiresAt?.toISOString() ?? null,
        requestCount: e.requestCount.toString(),
        lastUsedAt: e.lastUsedAt?.toISOString() ?? null,
        endpointCount: e.endpointCount,
        endpoints: e.endpoints,
        narrowTo: e.narrowTo,
      },
    ];
  });
}
