// What the decision log says about how grants are used, for many grants at once. One statement:
// the window's allowed decisions are first reduced to distinct (caller, service, method, path)
// tuples with their counts, then joined to the grants by the same matching rules the policy
// applies (lib/allowlists/path-pattern.ts), so the cost follows the number of distinct calls,
// not grants × decisions.

import { pool } from "@/lib/core/db";
import { parsePathPattern } from "@/lib/allowlists/path-pattern";

/** At most this many endpoints replace a wide grant; more varied use is left as it is. */
export const MAX_NARROW_ENDPOINTS = 5;
/** Observed endpoints kept per grant as evidence (the count covers all of them). */
export const MAX_EVIDENCE_ENDPOINTS = 50;

export type EvidenceGrant = { id: string; service: string; method: string; path: string; caller: string };
export type ObservedEndpoint = { method: string; path: string; count: number; lastUsedAt: string };
export type NarrowEndpoint = { method: string; path: string };
export type GrantEvidence = {
  requestCount: bigint;
  lastUsedAt: Date | null;
  endpointCount: number;
  endpoints: ObservedEndpoint[];
  /** Endpoints that cover every observed use and are narrower than the grant, or null. */
  narrowTo: NarrowEndpoint[] | null;
};

const NONE: Omit<GrantEvidence, "narrowTo"> = { requestCount: 0n, lastUsedAt: null, endpointCount: 0, endpoints: [] };

/** `/refunds/{id}` → `^/refunds/[^/]+$`; `/reports/*` → `^/reports/.*$` (POSIX ARE, as Postgres runs it). */
export function pathPatternRegex(pattern: string): string {
  const parsed = parsePathPattern(pattern);
  if (!parsed.ok) throw new Error(`not a path pattern: ${pattern}`);
  const segment = (s: string) => (s.startsWith("{") ? "[^/]+" : s.replace(/[^A-Za-z0-9]/g, "\\$&"));
  const { segments, prefix } = parsed.value;
  if (prefix) return `^/${segments.map((s) => `${segment(s)}/`).join("")}.*$`;
  return `^/${segments.map(segment).join("/")}$`;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, "\\$&");

/**
 * Use of each grant between `from` and `to`: allowed decisions whose caller, service, method and
 * path the grant covers. A request covered by two grants counts for both.
 */
export async function grantEvidence(
  grants: EvidenceGrant[],
  window: { from: Date; to: Date },
): Promise<Map<string, GrantEvidence>> {
  const result = new Map<string, GrantEvidence>();
  if (grants.length === 0) return result;
  const prefixes = grants.map((g) => (g.caller.endsWith("/*") ? g.caller.slice(0, -1) : null));
  const exact = [...new Set(grants.filter((_, i) => prefixes[i] === null).map((g) => g.caller))];
  const likes = [...new Set(prefixes.filter((p): p is string => p !== null).map((p) => `${likeEscape(p)}%`))];
  const { rows } = await pool().query<{
    id: string;
    requests: string;
    last_used: Date;
    endpoint_count: number;
    top: ObservedEndpoint[];
    narrowed: number;
    narrow_to: NarrowEndpoint[] | null;
  }>(
    `WITH g AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                  AS g(id, service, method, path, re, caller, prefix)
     ),
     obs AS MATERIALIZED (
       SELECT caller, service, method, rpath, count(*) AS n, max(ts) AS last
         FROM (SELECT d.caller, d."timestamp" AS ts,
                      coalesce(d.input->>'service',
                               d.input#>>'{attributes,contextExtensions,verdict_service}',
                               d.input#>>'{attributes,context_extensions,verdict_service}',
                               d.labels->>'verdict_service') AS service,
                      coalesce(d.input->>'method', d.input#>>'{attributes,request,http,method}') AS method,
                      split_part(split_part(coalesce(d.input->>'path', d.input#>>'{attributes,request,http,path}'),
                                            '?', 1), '#', 1) AS rpath
                 FROM decisions d
                WHERE d."timestamp" >= $8 AND d."timestamp" < $9 AND d.allowed = true
                  AND (d.caller = ANY($10::text[]) OR d.caller LIKE ANY($11::text[]))) x
        WHERE service IS NOT NULL AND method IS NOT NULL AND rpath <> ''
        GROUP BY 1, 2, 3, 4
     ),
     matched AS (
       SELECT g.id, g.path, o.method, o.rpath, o.n, o.last
         FROM g JOIN obs o ON o.service = g.service AND o.caller = g.caller
        WHERE g.prefix IS NULL AND (g.method = '*' OR g.method = o.method) AND o.rpath ~ g.re
       UNION ALL
       SELECT g.id, g.path, o.method, o.rpath, o.n, o.last
         FROM g JOIN obs o ON o.service = g.service AND starts_with(o.caller, g.prefix)
        WHERE g.prefix IS NOT NULL AND (g.method = '*' OR g.method = o.method) AND o.rpath ~ g.re
     ),
     per_endpoint AS (
       SELECT id, method, rpath, sum(n) AS n, max(last) AS last,
              row_number() OVER (PARTITION BY id ORDER BY sum(n) DESC, method, rpath) AS rank
         FROM matched GROUP BY id, method, rpath
     ),
     narrowed AS (
       SELECT id, count(*)::int AS narrowed,
              CASE WHEN count(*) <= $12 THEN jsonb_agg(jsonb_build_object('method', method, 'path', npath)
                                                       ORDER BY npath, method) END AS narrow_to
         FROM (SELECT DISTINCT id, method, CASE WHEN path LIKE '%/*' THEN rpath ELSE path END AS npath FROM matched) n
        GROUP BY id
     )
     SELECT e.id, sum(e.n)::text AS requests, max(e.last) AS last_used, count(*)::int AS endpoint_count,
            jsonb_agg(jsonb_build_object('method', e.method, 'path', e.rpath, 'count', e.n, 'lastUsedAt', e.last)
                      ORDER BY e.rank) FILTER (WHERE e.rank <= $13) AS top,
            min(w.narrowed) AS narrowed, (array_agg(w.narrow_to))[1] AS narrow_to
       FROM per_endpoint e JOIN narrowed w USING (id)
      GROUP BY e.id`,
    [
      grants.map((g) => g.id),
      grants.map((g) => g.service),
      grants.map((g) => g.method),
      grants.map((g) => g.path),
      grants.map((g) => pathPatternRegex(g.path)),
      grants.map((g) => g.caller),
      prefixes,
      window.from,
      window.to,
      exact,
      likes,
      MAX_NARROW_ENDPOINTS,
      MAX_EVIDENCE_ENDPOINTS,
    ],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const grant of grants) {
    const row = byId.get(grant.id);
    if (!row) {
      result.set(grant.id, { ...NONE, narrowTo: null });
      continue;
    }
    result.set(grant.id, {
      requestCount: BigInt(row.requests),
      lastUsedAt: row.last_used,
      endpointCount: row.endpoint_count,
      endpoints: row.top.map((t) => ({ ...t, count: Number(t.count) })),
      narrowTo: narrower(grant, row.narrow_to),
    });
  }
  return result;
}

// Narrower only when every replacement is a valid pattern (a concrete path observed with `%` or
// a character patterns refuse cannot be written down) and the set is not just the grant itself.
function narrower(grant: EvidenceGrant, candidates: NarrowEndpoint[] | null): NarrowEndpoint[] | null {
  if (!candidates || candidates.length === 0) return null;
  if (candidates.some((c) => !parsePathPattern(c.path).ok || (c.path !== grant.path && c.path.includes("*"))))
    return null;
  if (candidates.length === 1 && candidates[0]!.method === grant.method && candidates[0]!.path === grant.path)
    return null;
  return candidates;
}
