import { db, pool } from "@/lib/core/db";
import { withSessionLock } from "@/lib/core/session-lock";
import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { ensureDecisionPartitions, forgetDecisionPartitions } from "@/lib/decisions/decision-partitions";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

const DAY_MS = 86_400_000;
const PARTITIONS_AHEAD = 3;
// Only one instance maintains partitions at a time (session-level try-lock: the others skip).
const MAINTENANCE_LOCK = ADVISORY_LOCKS.decisionMaintenance;

/** The oldest UTC day (YYYY-MM-DD) still inside the retention window; older days are dropped. */
export function retentionCutoffDay(now: number, retentionDays: number): string {
  return new Date(now - retentionDays * DAY_MS).toISOString().slice(0, 10);
}

export type MaintenanceReport = { ran: boolean; created: string[]; dropped: string[] };

/**
 * Creates the partitions for today and the next days, and drops whole partitions older than the
 * retention window (DETACH … CONCURRENTLY, so readers and writers of other days never wait),
 * together with their hourly rollups. Dropping evidence is itself recorded in the audit trail.
 */
export async function runDecisionMaintenance(
  options: { now?: number; retentionDays?: number } = {},
): Promise<MaintenanceReport> {
  const now = options.now ?? Date.now();
  const retentionDays = options.retentionDays ?? env().DECISION_RETENTION_DAYS;
  const report = await withSessionLock(MAINTENANCE_LOCK, async () => {
    const client = await pool().connect();
    try {
      const ahead = Array.from({ length: PARTITIONS_AHEAD + 1 }, (_, k) =>
        new Date(now + k * DAY_MS).toISOString().slice(0, 10),
      );
      const before = new Set((await listPartitions(client)).map((p) => p.day));
      await ensureDecisionPartitions(client, ahead);
      const created = ahead.filter((d) => !before.has(d));
      const cutoff = retentionCutoffDay(now, retentionDays);
      const dropped: string[] = [];
      for (const part of await listPartitions(client)) {
        if (part.day >= cutoff) continue;
        if (!part.detachPending)
          await client.query(`ALTER TABLE decisions DETACH PARTITION ${quote(part.name)} CONCURRENTLY`);
        else await client.query(`ALTER TABLE decisions DETACH PARTITION ${quote(part.name)} FINALIZE`);
        await client.query(`DROP TABLE ${quote(part.name)}`);
        dropped.push(part.day);
      }
      await client.query("DELETE FROM decision_rollups WHERE bucket < $1::date", [cutoff]);
      if (dropped.length > 0) {
        forgetDecisionPartitions();
        await db.$transaction((tx) =>
          recordAuditEvent(tx, {
            actor: { type: "system", label: "decision retention" },
            action: "decisions.retention_drop",
            target: { type: "decisions" },
            after: { days: dropped, retentionDays, keptFrom: cutoff },
          }),
        );
        logger.info({ dropped, retentionDays }, "dropped decision partitions past retention");
      }
      return { ran: true, created, dropped };
    } finally {
      client.release();
    }
  });
  return report ?? { ran: false, created: [], dropped: [] };
}

type Partition = { name: string; day: string; detachPending: boolean };

async function listPartitions(client: import("pg").PoolClient): Promise<Partition[]> {
  const { rows } = await client.query<{ name: string; pending: boolean }>(
    `SELECT c.relname AS name, i.inhdetachpending AS pending
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'decisions'::regclass`,
  );
  return rows.flatMap((r) => {
    const m = /^decisions_p(\d{4})(\d{2})(\d{2})$/.exec(r.name);
    return m ? [{ name: r.name, day: `${m[1]}-${m[2]}-${m[3]}`, detachPending: r.pending }] : [];
  });
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

let timer: NodeJS.Timeout | undefined;

/** Runs the maintenance shortly after start-up and then on a schedule (DECISION_MAINTENANCE_INTERVAL_MINUTES). */
export function scheduleDecisionMaintenance(): void {
  if (timer) return;
  const run = () =>
    void runDecisionMaintenance().catch((err: unknown) =>
      logger.warn({ err }, "decision maintenance failed; will retry"),
    );
  setTimeout(run, 5_000).unref();
  timer = setInterval(run, env().DECISION_MAINTENANCE_INTERVAL_MINUTES * 60_000);
  timer.unref();
}
