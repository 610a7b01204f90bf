import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { parseCallerPattern } from "@/lib/allowlists/spiffe-id";
import { EXPIRING_SOON_DAYS, entryStatus, type EntryStatus } from "@/lib/allowlists/list-services";

export type CallerGrant = {
  entryId: string;
  service: string;
  method: string;
  path: string;
  via: string;
  owner: string;
  reason: string;
  expiresAt: string | null;
  status: EntryStatus;
  crossTrustDomain: boolean;
};

type GrantRow = {
  id: string;
  service: string;
  method: string;
  path: string;
  caller_id: string;
  owner: string;
  reason: string;
  expires_at: Date | null;
  cross_trust_domain: boolean;
};

function toCallerGrant(r: GrantRow, now: Date): CallerGrant {
  return {
    entryId: r.id,
    service: r.service,
    method: r.method,
    path: r.path,
    via: r.caller_id,
    owner: r.owner,
    reason: r.reason,
    expiresAt: r.expires_at?.toISOString() ?? null,
    status: entryStatus(r.expires_at, now),
    crossTrustDomain: r.cross_trust_domain,
  };
}

/** "What may spiffe://…/orders call?": its own grants and those of every `/*` pattern above it. */
export async function getCallerView(options: {
  actor: Actor;
  callerId: string;
}): Promise<{ caller: string; error: string | null; grants: CallerGrant[] }> {
  requirePermission(options.actor, "allowlist:read");
  const parsed = parseCallerPattern(options.callerId);
  if (!parsed.ok) return { caller: options.callerId, error: parsed.error, grants: [] };
  const candidates = [parsed.value.id, ...wildcardsAbove(parsed.value.trustDomain, parsed.value.path)];
  const rows = await db.$queryRaw<GrantRow[]>`
    SELECT e.id, s.name AS service, p.method, p.path_pattern AS path, e.caller_id, e.owner, e.reason, e.expires_at, e.cross_trust_domain
      FROM allowlist_entries e
      JOIN service_endpoints p ON p.id = e.endpoint_id
      JOIN services s ON s.id = p.service_id
     WHERE e.caller_id = ANY(${candidates})
     ORDER BY s.name, p.path_pattern, p.method, e.caller_id`;
  const now = new Date();
  return {
    caller: parsed.value.id,
    error: null,
    grants: rows.map((r) => toCallerGrant(r, now)),
  };
}

// spiffe://td/a/b/c is covered by spiffe://td/*, spiffe://td/a/* and spiffe://td/a/b/*.
function wildcardsAbove(trustDomain: string, path: string): string[] {
  const segments = path.split("/").filter(Boolean);
  return segments.map(
    (_, i) =>
      `spiffe://${trustDomain}${segments
        .slice(0, i)
        .map((s) => `/${s}`)
        .join("")}/*`,
  );
}

export type CallerSummary = { caller: string; grants: number; services: number; expired: number };

type CallerRow = { caller_id: string; grants: bigint; services: bigint; expired: bigint };

/** Distinct callers whose SPIFFE ID (or pattern) starts with the prefix. */
export async function searchCallers(options: {
  actor: Actor;
  prefix: string;
  limit: number;
}): Promise<CallerSummary[]> {
  requirePermission(options.actor, "allowlist:read");
  const like = `${options.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db.$queryRaw<CallerRow[]>`
    SELECT e.caller_id, count(*) AS grants, count(DISTINCT p.service_id) AS services,
           count(*) FILTER (WHERE e.expires_at <= now()) AS expired
      FROM allowlist_entries e JOIN service_endpoints p ON p.id = e.endpoint_id
     WHERE e.caller_id LIKE ${like} ESCAPE '\\'
     GROUP BY e.caller_id
     ORDER BY e.caller_id
     LIMIT ${options.limit}`;
  return rows.map((r) => ({
    caller: r.caller_id,
    grants: Number(r.grants),
    services: Number(r.services),
    expired: Number(r.expired),
  }));
}

export type ExpiringGrant = CallerGrant & { caller: string };

/** Grants that expire within `days`, and those that expired within the last `days`. */
export async function listExpiringGrants(options: {
  actor: Actor;
  days?: number;
}): Promise<{ days: number; expiringSoon: ExpiringGrant[]; recentlyExpired: ExpiringGrant[] }> {
  requirePermission(options.actor, "allowlist:read");
  const days = options.days ?? EXPIRING_SOON_DAYS;
  const from = new Date(Date.now() - days * 86_400_000);
  const to = new Date(Date.now() + days * 86_400_000);
  const rows = await db.$queryRaw<GrantRow[]>`
    SELECT e.id, s.name AS service, p.method, p.path_pattern AS path, e.caller_id, e.owner, e.reason, e.expires_at, e.cross_trust_domain
      FROM allowlist_entries e
      JOIN service_endpoints p ON p.id = e.endpoint_id
      JOIN services s ON s.id = p.service_id
     WHERE e.expires_at > ${from} AND e.expires_at <= ${to}
     ORDER BY e.expires_at, e.id
     LIMIT 2000`;
  const now = new Date();
  const grants: ExpiringGrant[] = rows.map((r) => ({ ...toCallerGrant(r, now), caller: r.caller_id }));
  return {
    days,
    expiringSoon: grants.filter((g) => g.status !== "expired"),
    recentlyExpired: grants.filter((g) => g.status === "expired").reverse(),
  };
}
