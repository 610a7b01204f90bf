import { db } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { withSessionLock } from "@/lib/core/session-lock";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";

const DAY_MS = 86_400_000;
// One transaction per batch: the status flush waits on a locked agent row no longer than one batch takes.
const BATCH = 1_000;
// The audit event names the first agents of a batch; the count covers them all.
const NAMED_IN_AUDIT = 100;

export type ArchiveReport = { ran: boolean; archived: number };

/**
 * Moves agents silent for longer than the retention window out of the hot table into
 * archived_agents, with their bundle statuses, and records each batch in the audit trail. One
 * instance at a time (session advisory lock; the others skip). An archived agent that reports
 * again is put back by the database itself (the trigger on agents in the migration).
 */
export async function archiveSilentAgents(
  options: { now?: number; retentionDays?: number } = {},
): Promise<ArchiveReport> {
  const retentionDays = options.retentionDays ?? env().AGENT_RETENTION_DAYS;
  const cutoff = new Date((options.now ?? Date.now()) - retentionDays * DAY_MS);
  const report = await withSessionLock(ADVISORY_LOCKS.agentArchive, async () => {
    let archived = 0;
    for (;;) {
      const moved = await db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<Array<{ identity: string }>>`
          WITH doomed AS (
            SELECT id FROM agents WHERE last_seen_at < ${cutoff}
             ORDER BY last_seen_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
          ), moved AS (
            DELETE FROM agents a USING doomed d WHERE a.id = d.id RETURNING a.*
          )
          INSERT INTO archived_agents (id, identity, identity_source, credential_id, labels, opa_version, last_status,
                                       bundles, has_errors, first_seen_at, last_seen_at, archived_at)
          SELECT m.id, m.identity, m.identity_source, m.credential_id, m.labels, m.opa_version, m.last_status,
                 COALESCE((SELECT jsonb_agg(to_jsonb(s) - 'agent_id' ORDER BY s.bundle_name)
                             FROM agent_bundle_statuses s WHERE s.agent_id = m.id), '[]'::jsonb),
                 m.has_errors, m.first_seen_at, m.last_seen_at, now()
            FROM moved m
          ON CONFLICT (identity) DO UPDATE SET
            id = EXCLUDED.id, identity_source = EXCLUDED.identity_source, credential_id = EXCLUDED.credential_id,
            labels = EXCLUDED.labels, opa_version = EXCLUDED.opa_version, last_status = EXCLUDED.last_status,
            bundles = EXCLUDED.bundles, has_errors = EXCLUDED.has_errors, last_seen_at = EXCLUDED.last_seen_at,
            first_seen_at = LEAST(archived_agents.first_seen_at, EXCLUDED.first_seen_at), archived_at = now()
          RETURNING identity`;
        if (rows.length > 0) {
          const identities = rows.map((r) => r.identity).sort();
          await recordAuditEvent(tx, {
            actor: { type: "system", label: "agent retention" },
            action: "agents.archived",
            target: { type: "agents" },
            after: {
              count: rows.length,
              identities: identities.slice(0, NAMED_IN_AUDIT),
              silentSince: cutoff.toISOString(),
              retentionDays,
            },
          });
        }
        return rows.length;
      });
      archived += moved;
      if (moved < BATCH) break;
    }
    if (archived > 0) logger.info({ archived, retentionDays }, "archived agents silent past retention");
    return { ran: true, archived };
  });
  return report ?? { ran: false, archived: 0 };
}

let timer: NodeJS.Timeout | undefined;

/** Runs the archive shortly after start-up and then every AGENT_ARCHIVE_INTERVAL_MINUTES. */
export function scheduleAgentArchive(): void {
  if (timer) return;
  const run = () =>
    void archiveSilentAgents().catch((err: unknown) =>
      logger.warn({ err }, "archiving silent agents failed; will retry"),
    );
  setTimeout(run, 10_000).unref();
  timer = setInterval(run, env().AGENT_ARCHIVE_INTERVAL_MINUTES * 60_000);
  timer.unref();
}
