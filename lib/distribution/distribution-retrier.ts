import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { withSessionLock } from "@/lib/core/session-lock";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { syncTarget } from "@/lib/distribution/sync-target";
import { checkAllTargets } from "@/lib/distribution/check-targets";

const TICK_MS = 5_000;
const CHECK_EVERY_MS = 10 * 60_000;

/**
 * One pass of the retrier: every target whose newest revision is due for another try (failed,
 * or pending past its lease), and every target that has no row at all for its bundle's newest
 * revision (added while this instance was down, or a publish that died before distributing).
 * Only one instance runs a pass at a time. Returns the targets it worked on.
 */
export async function retryDueUploads(now = new Date()): Promise<string[]> {
  const ran = await withSessionLock(ADVISORY_LOCKS.distributionRetrier, async () => {
    const due = await db.$queryRaw<Array<{ id: string }>>`
      SELECT t.id
        FROM distribution_targets t
        JOIN LATERAL (
          SELECT r.id FROM bundle_revisions r WHERE r.bundle_id = t.bundle_id ORDER BY r.number DESC LIMIT 1
        ) latest ON true
        LEFT JOIN distribution_uploads u ON u.target_id = t.id AND u.revision_id = latest.id
       WHERE u.target_id IS NULL
          OR (u.state IN ('pending', 'failed') AND (u.next_attempt_at IS NULL OR u.next_attempt_at <= ${now}))`;
    for (const { id } of due) await syncTarget(id);
    return due.map((d) => d.id);
  });
  return ran ?? [];
}

let timer: NodeJS.Timeout | undefined;

/** Started from boot: retries every few seconds, re-checks every target every ten minutes. */
export function startDistributionRetrier(): void {
  if (timer) return;
  let lastCheck = Date.now();
  let running = false;
  timer = setInterval(() => {
    if (running) return;
    running = true;
    const checkNow = Date.now() - lastCheck >= CHECK_EVERY_MS;
    if (checkNow) lastCheck = Date.now();
    void (async () => {
      await retryDueUploads();
      if (checkNow)
        await withSessionLock(ADVISORY_LOCKS.distributionRetrier, async () => {
          await checkAllTargets();
        });
    })()
      .catch((err: unknown) => logger.warn({ err }, "distribution retrier pass failed; will try again"))
      .finally(() => {
        running = false;
      });
  }, TICK_MS);
  timer.unref();
}
