import { pool } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { LABEL_FILTER_PATTERN, ZFleetQuery, type TFleetQuery, type TFleetQueryInput } from "@/lib/agents/fleet-query";
import { STALE_AFTER_MS } from "@/lib/agents/fleet";
import { ASSIGNMENTS_SQL, assignedRevisionSql } from "@/lib/bundles/assigned-revision";

export type AgentRow = {
  id: string;
  identity: string;
  identitySource: string;
  opaVersion: string | null;
  credential: { id: string; name: string } | null;
  lastSeenAt: string;
  firstSeenAt: string;
  stale: boolean;
  hasErrors: boolean;
  bundles: Array<{
    name: string;
    activeRevision: string | null;
    /** What Verdict serves this agent now (rollout-aware); null when nothing is published. */
    assignedRevision: string | null;
    code: string | null;
    message: string | null;
    httpCode: number | null;
    lastSuccessfulActivation: string | null;
  }>;
};

export type AgentPage = {
  items: AgentRow[];
  /** How many agents match the filters, on every page together. */
  matching: number;
  nextCursor: string | null;
  prevCursor: string | null;
};

/**
 * One page of the fleet, filtered, in identity order. Keyset paging on the identity, which never
 * changes: last-seen times move on every status report, so a page ordered by them would shift
 * under a reader, and an agent could show twice or never while someone pages through.
 */
export async function listAgents(options: { actor: Actor; query: TFleetQueryInput }): Promise<AgentPage> {
  requirePermission(options.actor, "agent:read");
  const query = ZFleetQuery.parse(options.query);
  const now = Date.now();
  const filter = fleetFilter(query, new Date(now - STALE_AFTER_MS));
  const after = query.cursor ? decodeIdentityCursor(query.cursor, "cursor") : null;
  const before = query.before ? decodeIdentityCursor(query.before, "before") : null;
  const params = [...filter.params];
  const keyset = after ?? before;
  const where = [...filter.conditions];
  if (keyset !== null) {
    params.push(keyset);
    where.push(`a.identity ${before !== null ? "<" : ">"} $${params.length}`);
  }
  params.push(query.limit + 1);
  const [{ rows }, { rows: counted }] = await Promise.all([
    pool().query<AgentSqlRow>(
      `SELECT a.id, a.identity, a.identity_source, a.opa_version, a.has_errors, a.first_seen_at, a.last_seen_at,
              a.credential_id, c.name AS credential_name
         FROM agents a LEFT JOIN agent_credentials c ON c.id = a.credential_id
        ${whereClause(where)}
        ORDER BY a.identity ${before !== null ? "DESC" : "ASC"}
        LIMIT $${params.length}`,
      params,
    ),
    pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agents a ${whereClause(filter.conditions)}`,
      filter.params,
    ),
  ]);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (before !== null) page.reverse();
  const { rows: statuses } = await pool().query<StatusSqlRow>(
    `WITH assignments AS (${ASSIGNMENTS_SQL})
     SELECT s.agent_id, s.bundle_name, s.active_revision, s.code, s.message, s.http_code, s.last_successful_activation,
            ${assignedRevisionSql("t", "a.credential_id")} AS assigned_revision
       FROM agent_bundle_statuses s JOIN agents a ON a.id = s.agent_id
       LEFT JOIN assignments t ON t.bundle_name = s.bundle_name
      WHERE s.agent_id = ANY($1::uuid[]) ORDER BY s.bundle_name`,
    [page.map((r) => r.id)],
  );
  const byAgent = new Map<string, StatusSqlRow[]>();
  for (const s of statuses) (byAgent.get(s.agent_id) ?? byAgent.set(s.agent_id, []).get(s.agent_id)!).push(s);
  const first = page[0];
  const last = page[page.length - 1];
  // Paging backwards, there is always a page after (the one we came from).
  const hasNext = before !== null || more;
  const hasPrev = before !== null ? more : after !== null;
  return {
    items: page.map((a) => toAgentRow(a, byAgent.get(a.id) ?? [], now)),
    matching: counted[0]!.n,
    nextCursor: hasNext && last ? encodeIdentityCursor(last.identity) : null,
    prevCursor: hasPrev && first ? encodeIdentityCursor(first.identity) : null,
  };
}

type AgentSqlRow = {
  id: string;
  identity: string;
  identity_source: string;
  opa_version: string | null;
  has_errors: boolean;
  first_seen_at: Date;
  last_seen_at: Date;
  credential_id: string | null;
  credential_name: string | null;
};

type StatusSqlRow = {
  agent_id: string;
  bundle_name: string;
  active_revision: string | null;
  code: string | null;
  message: string | null;
  http_code: number | null;
  assigned_revision: string | null;
  last_successful_activation: Date | null;
};

function toAgentRow(a: AgentSqlRow, statuses: StatusSqlRow[], now: number): AgentRow {
  return {
    id: a.id,
    identity: a.identity,
    identitySource: a.identity_source,
    opaVersion: a.opa_version,
    credential: a.credential_id ? { id: a.credential_id, name: a.credential_name ?? "" } : null,
    lastSeenAt: a.last_seen_at.toISOString(),
    firstSeenAt: a.first_seen_at.toISOString(),
    stale: now - a.last_seen_at.getTime() > STALE_AFTER_MS,
    hasErrors: a.has_errors,
    bundles: statuses.map((b) => ({
      name: b.bundle_name,
      activeRevision: b.active_revision,
      assignedRevision: b.assigned_revision,
      code: b.code,
      message: b.message,
      httpCode: b.http_code,
      lastSuccessfulActivation: b.last_successful_activation?.toISOString() ?? null,
    })),
  };
}

/** The filters as SQL conditions over `agents a`, with their parameters ($1…). */
function fleetFilter(query: TFleetQuery, staleBefore: Date): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.q) conditions.push(`a.identity ILIKE ${param(`%${escapeLike(query.q)}%`)}`);
  if (query.stale === true) conditions.push(`a.last_seen_at < ${param(staleBefore)}`);
  if (query.stale === false) conditions.push(`a.last_seen_at >= ${param(staleBefore)}`);
  if (query.failing === true) conditions.push("a.has_errors");
  if (query.failing === false) conditions.push("NOT a.has_errors");
  if (query.credential) conditions.push(`a.credential_id = ${param(query.credential)}`);
  if (query.label) {
    const [, key, value] = LABEL_FILTER_PATTERN.exec(query.label)!;
    conditions.push(`a.labels @> ${param(JSON.stringify({ [key!]: value }))}::jsonb`);
  }
  if (query.bundle || query.revision) {
    const status = ["s.agent_id = a.id"];
    if (query.bundle) status.push(`s.bundle_name = ${param(query.bundle)}`);
    if (query.revision) status.push(`s.active_revision = ${param(query.revision)}`);
    if (query.notRevision) status.push(`s.active_revision IS DISTINCT FROM ${param(query.notRevision)}`);
    if (query.unassigned !== undefined) {
      const assigned = `(SELECT ${assignedRevisionSql("t", "a.credential_id")} FROM (${ASSIGNMENTS_SQL}) t WHERE t.bundle_name = s.bundle_name)`;
      status.push(`s.active_revision ${query.unassigned ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM"} ${assigned}`);
    }
    conditions.push(`EXISTS (SELECT 1 FROM agent_bundle_statuses s WHERE ${status.join(" AND ")})`);
  }
  return { conditions, params };
}

function whereClause(conditions: string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function encodeIdentityCursor(identity: string): string {
  return Buffer.from(identity, "utf8").toString("base64url");
}

function decodeIdentityCursor(cursor: string, field: "cursor" | "before"): string {
  const identity = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  if (identity === "" || identity.includes("\uFFFD")) {
    throw new AppError("validation_failed", "The cursor is invalid", {
      fieldErrors: [{ path: `query.${field}`, message: "invalid cursor" }],
    });
  }
  return identity;
}
