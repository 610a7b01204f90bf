import type { Tx } from "@/lib/core/db";
import { endpointKey } from "@/lib/allowlists/path-pattern";
import type { Catalog, StoredEntry } from "@/lib/allowlists/change-plan";
import type { EntryRow, ServiceRow } from "@/lib/allowlists/opa-data";

type Reader = Pick<Tx, "$queryRaw" | "service">;

/** Every service with its endpoints, keyed for the change planner. */
export async function loadCatalog(tx: Reader): Promise<Catalog> {
  const services = await tx.service.findMany({
    include: { endpoints: { select: { id: true, method: true, pathPattern: true } } },
  });
  return new Map(
    services.map((s) => [
      s.name,
      {
        id: s.id,
        name: s.name,
        trustDomain: s.trustDomain,
        endpoints: new Map(
          s.endpoints.map((e) => [
            endpointKey(e.method, e.pathPattern),
            { id: e.id, method: e.method, path: e.pathPattern },
          ]),
        ),
      },
    ]),
  );
}

// One query instead of Prisma includes: this reads every grant (up to 100,000s) on publish
// and on replace-mode imports.
export async function loadStoredEntries(tx: Pick<Tx, "$queryRaw">): Promise<StoredEntry[]> {
  return tx.$queryRaw<StoredEntry[]>`
    SELECT e.id, e.endpoint_id AS "endpointId", s.name AS service, p.method, p.path_pattern AS path,
           e.caller_id AS caller, e.owner, e.reason, e.expires_at AS "expiresAt",
           e.cross_trust_domain AS "crossTrustDomain"
      FROM allowlist_entries e
      JOIN service_endpoints p ON p.id = e.endpoint_id
      JOIN services s ON s.id = p.service_id`;
}

/** What buildAllowlistsDocument needs: services with endpoints, and the grants. */
export async function loadPublishRows(tx: Reader): Promise<{ services: ServiceRow[]; entries: EntryRow[] }> {
  const services = await tx.service.findMany({
    select: { name: true, trustDomain: true, endpoints: { select: { method: true, pathPattern: true } } },
  });
  const entries = await loadStoredEntries(tx);
  return {
    services,
    entries: entries.map((e) => ({
      id: e.id,
      serviceName: e.service,
      method: e.method,
      pathPattern: e.path,
      callerId: e.caller,
      expiresAt: e.expiresAt,
      crossTrustDomain: e.crossTrustDomain,
    })),
  };
}
