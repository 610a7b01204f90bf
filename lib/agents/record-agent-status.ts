import { pool } from "@/lib/core/db";
import { agentIdentity } from "@/lib/agents/agent-identity";
import { logger } from "@/lib/core/logger";
import { onCloseDb } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { pgSafeJson } from "@/lib/core/pg-safe-json";
import type { TStatusReport } from "@/lib/agents/schemas";

/**
 * Status reports are coalesced: accepted into memory and answered at once (an agent must never
 * wait on our database), only the newest report per agent kept, and written by a background
 * flush once per VERDICT_STATUS_FLUSH_MS (1 s) in one transaction of one statement per table —
 * a fleet of 10,000 agents costs PostgreSQL one batch a second, not 10,000 writes. What a crash
 * loses is the reports of the last flush window (and of a flush in flight); every agent sends
 * another on its next poll or upload. A flush that fails (database unavailable) keeps its
 * reports for the next one, unless a newer report of the same agent arrived meanwhile; after
 * MAX_ATTEMPTS failures a report is dropped. Identity is the configured label (labels.instance by
 * default) because OPA regenerates labels.id on every start; without that label, labels.id is
 * the fallback.
 */
const MAX_PENDING = 50_000;
const MAX_ATTEMPTS = 3;
// OPA writes "never" as Go's zero time.
const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

export type Pending = {
  identity: string;
  identitySource: "label" | "id";
  credentialId: string;
  report: TStatusReport;
  receivedAt: Date;
  attempts?: number;
};
type StatusState = {
  pending: Map<string, Pending>;
  timer: NodeJS.Timeout | null;
  flushing: Promise<void> | null;
  dropped: number;
};

const log = logger.child({ component: "agent-status" });
const holder = globalThis as typeof globalThis & { __verdictAgentStatus?: StatusState };

function state(): StatusState {
  if (!holder.__verdictAgentStatus) {
    holder.__verdictAgentStatus = { pending: new Map(), timer: null, flushing: null, dropped: 0 };
    onCloseDb(async () => {
      await flushAgentStatus();
      holder.__verdictAgentStatus = undefined;
    });
  }
  return holder.__verdictAgentStatus;
}

export function enqueueAgentStatus(report: TStatusReport, credentialId: string): { identity: string } {
  const s = state();
  const { identity, identitySource } = agentIdentity(report.labels);
  if (!s.pending.has(identity) && s.pending.size >= MAX_PENDING) {
    s.dropped += 1;
    return { identity };
  }
  s.pending.set(identity, { identity, identitySource, credentialId, report, receivedAt: new Date() });
  scheduleFlush(s);
  return { identity };
}

function scheduleFlush(s: StatusState): void {
  if (s.timer) return;
  s.timer = setTimeout(() => {
    s.timer = null;
    void flushAgentStatus();
  }, env().VERDICT_STATUS_FLUSH_MS);
  s.timer.unref();
}

/** Reports waiting for the next flush (one per agent). */
export function pendingAgentStatusCount(): number {
  return holder.__verdictAgentStatus?.pending.size ?? 0;
}

/** Writes every pending report; safe to call at any time (tests call it instead of waiting). */
export async function flushAgentStatus(): Promise<void> {
  const s = holder.__verdictAgentStatus;
  if (!s) return;
  if (s.flushing) await s.flushing;
  if (s.pending.size === 0) return;
  const batch = [...s.pending.values()];
  s.pending.clear();
  s.flushing = writeBatch(batch)
    .catch((error: unknown) => {
      let kept = 0;
      for (const p of batch) {
        const attempts = (p.attempts ?? 0) + 1;
        if (attempts >= MAX_ATTEMPTS || s.pending.has(p.identity) || s.pending.size >= MAX_PENDING) continue;
        s.pending.set(p.identity, { ...p, attempts });
        kept += 1;
      }
      if (kept > 0) scheduleFlush(s);
      log.warn({ err: error, agents: batch.length, kept }, "storing agent status failed; kept for the next flush");
    })
    .finally(() => {
      s.flushing = null;
    });
  await s.flushing;
}

/** The rows one flush writes, as the JSON text each statement takes (exported for property tests). */
export function statusRows(batch: Pending[]): { agents: string; bundles: string } {
  const agents = batch.map((p) => ({
    identity: p.identity,
    identity_source: p.identitySource,
    credential_id: p.credentialId,
    labels: p.report.labels,
    opa_version: p.report.labels.version ?? null,
    last_status: withoutMetrics(p.report),
    has_errors: hasErrors(p.report),
    seen_at: p.receivedAt.toISOString(),
    bundles: Object.keys(p.report.bundles ?? {}),
  }));
  const bundles = batch.flatMap((p) =>
    Object.entries(p.report.bundles ?? {}).map(([name, b]) => ({
      identity: p.identity,
      bundle_name: name,
      active_revision: b.active_revision || null,
      last_successful_activation: opaTime(b.last_successful_activation),
      last_request: opaTime(b.last_request),
      code: b.code ?? null,
      message: b.message ?? null,
      http_code: httpCode(b.http_code),
      errors: b.errors ?? null,
      updated_at: p.receivedAt.toISOString(),
    })),
  );
  return { agents: pgSafeJson(JSON.stringify(agents)), bundles: pgSafeJson(JSON.stringify(bundles)) };
}

async function writeBatch(batch: Pending[]): Promise<void> {
  const rows = statusRows(batch);
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    await client.query(UPSERT_AGENTS, [rows.agents]);
    await client.query(UPSERT_BUNDLES, [rows.bundles]);
    await client.query(DELETE_DROPPED_BUNDLES, [rows.agents]);
    await client.query(EXTEND_REVISION_REPORTS, [rows.bundles]);
    await client.query(START_REVISION_REPORTS, [rows.bundles]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

// Whatever an agent sends must not fail the flush, which would drop every other agent's report with
// it: values a column cannot hold (a year PostgreSQL refuses, an int4 overflow) are stored as null.
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59Z");

function opaTime(value: string | undefined): string | null {
  if (!value || value === GO_ZERO_TIME) return null;
  const ms = Date.parse(value);
  return ms > EARLIEST && ms <= LATEST ? new Date(ms).toISOString() : null;
}

function httpCode(value: number | undefined): number | null {
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= 999 ? value : null;
}

function hasErrors(report: TStatusReport): boolean {
  if (Object.values(report.bundles ?? {}).some((b) => b.code || (b.errors?.length ?? 0) > 0)) return true;
  if (report.decision_logs?.code) return true;
  return Object.values(report.plugins ?? {}).some((p) => p.state === "ERROR");
}

// Prometheus metrics can be large and say nothing about rollout; the rest is kept for the fleet view.
function withoutMetrics(report: TStatusReport): unknown {
  const { metrics: _metrics, ...rest } = report as TStatusReport & { metrics?: unknown };
  return rest;
}

const UPSERT_AGENTS = `
  INSERT INTO agents (id, identity, identity_source, credential_id, labels, opa_version, last_status, has_errors, first_seen_at, last_seen_at)
  SELECT gen_random_uuid(), x.identity, x.identity_source, x.credential_id, x.labels, x.opa_version, x.last_status, x.has_errors, x.seen_at, x.seen_at
    FROM jsonb_to_recordset($1::jsonb) AS x(identity text, identity_source text, credential_id uuid, labels jsonb, opa_version text, last_status jsonb, has_errors boolean, seen_at timestamptz)
  ON CONFLICT (identity) DO UPDATE SET
    identity_source = EXCLUDED.identity_source, credential_id = EXCLUDED.credential_id, labels = EXCLUDED.labels,
    opa_version = EXCLUDED.opa_version, last_status = EXCLUDED.last_status, has_errors = EXCLUDED.has_errors,
    last_seen_at = GREATEST(agents.last_seen_at, EXCLUDED.last_seen_at)`;

const UPSERT_BUNDLES = `
  INSERT INTO agent_bundle_statuses (agent_id, bundle_name, active_revision, last_successful_activation, last_request, code, message, http_code, errors, updated_at)
  SELECT a.id, b.bundle_name, b.active_revision, b.last_successful_activation, b.last_request, b.code, b.message, b.http_code, b.errors, b.updated_at
    FROM jsonb_to_recordset($1::jsonb) AS b(identity text, bundle_name text, active_revision text, last_successful_activation timestamptz, last_request timestamptz, code text, message text, http_code int, errors jsonb, updated_at timestamptz)
    JOIN agents a ON a.identity = b.identity
  ON CONFLICT (agent_id, bundle_name) DO UPDATE SET
    active_revision = EXCLUDED.active_revision, last_successful_activation = EXCLUDED.last_successful_activation,
    last_request = EXCLUDED.last_request, code = EXCLUDED.code, message = EXCLUDED.message, http_code = EXCLUDED.http_code,
    errors = EXCLUDED.errors, updated_at = EXCLUDED.updated_at`;

const DELETE_DROPPED_BUNDLES = `
  DELETE FROM agent_bundle_statuses s
   USING jsonb_to_recordset($1::jsonb) AS r(identity text, bundles text[]), agents a
   WHERE a.identity = r.identity AND s.agent_id = a.id AND NOT (s.bundle_name = ANY (r.bundles))`;

// The history of what each agent ran (for the state as of a moment): a report of the revision
// the agent's latest row already names extends that row; any other report starts a new row.
const REPORTED = `jsonb_to_recordset($1::jsonb) AS b(identity text, bundle_name text, active_revision text, updated_at timestamptz)`;

const EXTEND_REVISION_REPORTS = `
  UPDATE agent_revision_reports r SET last_reported_at = GREATEST(r.last_reported_at, b.updated_at)
    FROM ${REPORTED}
   WHERE r.id = (SELECT max(id) FROM agent_revision_reports l WHERE l.agent_identity = b.identity AND l.bundle_name = b.bundle_name)
     AND r.active_revision IS NOT DISTINCT FROM b.active_revision`;

const START_REVISION_REPORTS = `
  INSERT INTO agent_revision_reports (agent_identity, bundle_name, active_revision, first_reported_at, last_reported_at)
  SELECT b.identity, b.bundle_name, b.active_revision, b.updated_at, b.updated_at FROM ${REPORTED}
   WHERE b.active_revision IS NOT NULL -- not yet running any revision of the bundle: nothing to record
     AND NOT EXISTS (
     SELECT 1 FROM agent_revision_reports r
      WHERE r.id = (SELECT max(id) FROM agent_revision_reports l WHERE l.agent_identity = b.identity AND l.bundle_name = b.bundle_name)
        AND r.active_revision IS NOT DISTINCT FROM b.active_revision)`;
