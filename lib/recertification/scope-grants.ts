import type { EntrySpec } from "@/lib/allowlists/change-plan";
import { pool } from "@/lib/core/db";
import type { TCampaignScope } from "@/lib/recertification/schemas";

export type ScopedGrant = EntrySpec & { id: string; createdAt: Date };

/** The grants a campaign (or a service's least-privilege view) covers, in a stable order. */
export async function scopeGrants(scope: TCampaignScope): Promise<ScopedGrant[]> {
  const filter =
    scope.kind === "service" ? "WHERE s.name = $1" : scope.kind === "owner" ? "WHERE lower(e.owner) = lower($1)" : "";
  const args = scope.kind === "service" ? [scope.service] : scope.kind === "owner" ? [scope.owner] : [];
  const { rows } = await pool().query<ScopedGrant>(
    `SELECT e.id, s.name AS service, p.method, p.path_pattern AS path, e.caller_id AS caller, e.owner, e.reason,
            e.expires_at AS "expiresAt", e.cross_trust_domain AS "crossTrustDomain", e.created_at AS "createdAt"
       FROM allowlist_entries e
       JOIN service_endpoints p ON p.id = e.endpoint_id
       JOIN services s ON s.id = p.service_id
       ${filter}
      ORDER BY s.name, p.path_pattern, p.method, e.caller_id`,
    args,
  );
  return rows;
}
