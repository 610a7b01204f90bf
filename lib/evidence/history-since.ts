import { db } from "@/lib/core/db";

/** The migration that started keeping agent report and grant histories. */
export const HISTORY_MIGRATION = "20261207070000_evidence_history";

export type HistorySince = {
  /** Agent reports and grant versions are known from this moment on; before it, only revisions are. */
  recordedSince: string | null;
};

/** When this installation started keeping the histories (the moment their migration was applied). */
export async function historySince(): Promise<HistorySince> {
  const rows = await db.$queryRaw<Array<{ at: Date | null }>>`
    SELECT finished_at AS at FROM "_prisma_migrations" WHERE migration_name = ${HISTORY_MIGRATION}`;
  return { recordedSince: rows[0]?.at?.toISOString() ?? null };
}
