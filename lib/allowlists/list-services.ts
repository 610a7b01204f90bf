import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";

export const EXPIRING_SOON_DAYS = 14;

export type EntryStatus = "active" | "expiring" | "expired";

export function entryStatus(expiresAt: Date | null, now = new Date()): EntryStatus {
  if (!expiresAt) return "active";
  if (expiresAt.getTime() <= now.getTime()) return "expired";
  return expiresAt.getTime() - now.getTime() <= EXPIRING_SOON_DAYS * 86_400_000 ? "expiring" : "active";
}

export type ServiceSummary = {
  name: string;
  trustDomain: string;
  ownerTeam: string;
  description: string;
  endpoints: number;
  grants: number;
  expired: number;
  expiringSoon: number;
};

type CountRow = { service_id: string; grants: bigint; expired: bigint; expiring: bigint };

export async function listServices(options: { actor: Actor; q?: string }): Promise<ServiceSummary[]> {
  requirePermission(options.actor, "allowlist:read");
  const q = options.q?.trim();
  const where: Prisma.ServiceWhereInput = q
    ? {
        OR: [
          { name: { contains: q, mode: "insensitive" } },
          { ownerTeam: { contains: q, mode: "insensitive" } },
          { trustDomain: { contains: q, mode: "insensitive" } },
        ],
      }
    : {};
  const services = await db.service.findMany({
    where,
    orderBy: { name: "asc" },
    include: { _count: { select: { endpoints: true } } },
  });
  const soon = new Date(Date.now() + EXPIRING_SOON_DAYS * 86_400_000);
  const counts = await db.$queryRaw<CountRow[]>`
    SELECT p.service_id, count(*) AS grants,
           count(*) FILTER (WHERE e.expires_at <= now()) AS expired,
           count(*) FILTER (WHERE e.expires_at > now() AND e.expires_at <= ${soon}) AS expiring
      FROM allowlist_entries e JOIN service_endpoints p ON p.id = e.endpoint_id
     GROUP BY p.service_id`;
  const byService = new Map(counts.map((c) => [c.service_id, c]));
  return services.map((s) => {
    const c = byService.get(s.id);
    return {
      name: s.name,
      trustDomain: s.trustDomain,
      ownerTeam: s.ownerTeam,
      description: s.description,
      endpoints: s._count.endpoints,
      grants: Number(c?.grants ?? 0),
      expired: Number(c?.expired ?? 0),
      expiringSoon: Number(c?.expiring ?? 0),
    };
  });
}

export type EntryView = {
  id: string;
  caller: string;
  owner: string;
  reason: string;
  expiresAt: string | null;
  status: EntryStatus;
  crossTrustDomain: boolean;
  createdBy: string;
  approvedBy: string | null;
  createdAt: string;
};
export type EndpointView = { id: string; method: string; path: string; description: string; entries: EntryView[] };
export type ServiceDetail = Omit<ServiceSummary, "endpoints" | "grants" | "expired" | "expiringSoon"> & {
  id: string;
  endpoints: EndpointView[];
};

export async function getServiceDetail(options: { actor: Actor; name: string }): Promise<ServiceDetail> {
  requirePermission(options.actor, "allowlist:read");
  const service = await db.service.findUnique({
    where: { name: options.name },
    include: {
      endpoints: {
        orderBy: [{ pathPattern: "asc" }, { method: "asc" }],
        include: {
          entries: {
            orderBy: { callerId: "asc" },
            include: { createdBy: { select: { email: true } }, approvedBy: { select: { email: true } } },
          },
        },
      },
    },
  });
  if (!service) throw notFound("Service");
  const now = new Date();
  return {
    id: service.id,
    name: service.name,
    trustDomain: service.trustDomain,
    ownerTeam: service.ownerTeam,
    description: service.description,
    endpoints: service.endpoints.map((e) => ({
      id: e.id,
      method: e.method,
      path: e.pathPattern,
      description: e.description,
      entries: e.entries.map((x) => ({
        id: x.id,
        caller: x.callerId,
        owner: x.owner,
        reason: x.reason,
        expiresAt: x.expiresAt?.toISOString() ?? null,
        status: entryStatus(x.expiresAt, now),
        crossTrustDomain: x.crossTrustDomain,
        createdBy: x.createdBy.email,
        approvedBy: x.approvedBy?.email ?? null,
        createdAt: x.createdAt.toISOString(),
      })),
    })),
  };
}
