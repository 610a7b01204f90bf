import type pg from "pg";

// Days whose partition this process has seen exist. Retention only drops days older than the
// retention window, and ingestion skips those days, so a stale entry is harmless; an insert that
// that still finds no partition clears the cache and is retried by OPA (see write-decisions.ts).
const known = new Set<string>();

export function partitionName(day: string): string {
  return `decisions_p${day.replaceAll("-", "")}`;
}

/** Makes sure a partition exists for each UTC day (YYYY-MM-DD). Runs outside the insert's transaction. */
export async function ensureDecisionPartitions(client: pg.Pool | pg.ClientBase, days: Iterable<string>): Promise<void> {
  const missing = [...new Set(days)].filter((d) => !known.has(d)).sort();
  if (missing.length === 0) return;
  await client.query("SELECT verdict_ensure_decision_partition(d) FROM unnest($1::date[]) AS d", [missing]);
  for (const day of missing) known.add(day);
}

export function forgetDecisionPartitions(): void {
  known.clear();
}
