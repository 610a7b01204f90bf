// The allowlists as OPA data: what Verdict ships in the bundle under `data.verdict.allowlists`
// and what lib/allowlists/rego/authz.rego reads. Shape documented in docs/allowlists.md.
// Lookups in the policy are by object key (service, then exact caller ID), so a decision costs
// the same with 100 entries as with 100,000; only `/*` caller wildcards are scanned, per service.

import { parseCallerPattern } from "@/lib/allowlists/spiffe-id";
import { endpointKey, parsePathPattern } from "@/lib/allowlists/path-pattern";

export const ALLOWLISTS_DATA_PATH = ["verdict", "allowlists"] as const;
export const AUTHZ_PACKAGE = "verdict.authz";
export const ALLOWLISTS_SCHEMA_VERSION = 1;

export type EndpointDocument = { method: string; path: string; segments: string[]; prefix: boolean };
export type GrantDocument = { id: string; endpoint: string; expires_at_ns?: number; cross_trust_domain?: true };
export type WildcardGrantDocument = GrantDocument & { caller: string; prefix: string };
export type ServiceDocument = {
  trust_domain: string;
  endpoints: Record<string, EndpointDocument>;
  callers: Record<string, GrantDocument[]>;
  wildcards: WildcardGrantDocument[];
};
export type AllowlistsDocument = { schema_version: number; services: Record<string, ServiceDocument> };

export type ServiceRow = {
  name: string;
  trustDomain: string;
  endpoints: Array<{ method: string; pathPattern: string }>;
};
export type EntryRow = {
  id: string;
  serviceName: string;
  method: string;
  pathPattern: string;
  callerId: string;
  expiresAt: Date | null;
  crossTrustDomain: boolean;
};

/**
 * Builds the document from stored rows. Entries already expired at `now` are left out (the
 * policy would ignore them anyway); entries expiring later carry their expiry so that agents
 * stop honouring them on time even before the next publish.
 */
export function buildAllowlistsDocument(services: ServiceRow[], entries: EntryRow[], now: Date): AllowlistsDocument {
  const doc: AllowlistsDocument = { schema_version: ALLOWLISTS_SCHEMA_VERSION, services: {} };
  for (const service of [...services].sort((a, b) => a.name.localeCompare(b.name))) {
    const endpoints: Record<string, EndpointDocument> = {};
    for (const e of service.endpoints) {
      const pattern = parsePathPattern(e.pathPattern);
      if (!pattern.ok) continue; // stored patterns are validated on write
      endpoints[endpointKey(e.method, e.pathPattern)] = {
        method: e.method,
        path: e.pathPattern,
        segments: pattern.value.segments,
        prefix: pattern.value.prefix,
      };
    }
    doc.services[service.name] = { trust_domain: service.trustDomain, endpoints, callers: {}, wildcards: [] };
  }
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const entry of sorted) {
    if (entry.expiresAt && entry.expiresAt.getTime() <= now.getTime()) continue;
    const service = doc.services[entry.serviceName];
    if (!service) continue;
    const grant: GrantDocument = { id: entry.id, endpoint: endpointKey(entry.method, entry.pathPattern) };
    if (entry.expiresAt) grant.expires_at_ns = entry.expiresAt.getTime() * 1_000_000;
    if (entry.crossTrustDomain) grant.cross_trust_domain = true;
    const caller = parseCallerPattern(entry.callerId);
    if (!caller.ok) continue;
    if (caller.value.kind === "wildcard") {
      service.wildcards.push({ ...grant, caller: entry.callerId, prefix: caller.value.prefix });
    } else {
      (service.callers[entry.callerId] ??= []).push(grant);
    }
  }
  return doc;
}

/** The full data.json content for a bundle that carries only the allowlists. */
export function allowlistsDataJson(doc: AllowlistsDocument): { verdict: { allowlists: AllowlistsDocument } } {
  return { verdict: { allowlists: doc } };
}
