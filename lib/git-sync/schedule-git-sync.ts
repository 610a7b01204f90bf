import { logger } from "@/lib/core/logger";
import { syncGitLink, type SyncResult } from "@/lib/git-sync/sync-git-link";

type Scheduled = { done: Promise<SyncResult>; again: boolean };

const scheduled = new Map<string, Scheduled>();

/**
 * Syncs a link in the background (a webhook answers before git runs). The sync takes the link's
 * advisory lock like any other. Pushes that arrive while one runs in this process are folded into
 * one more sync after it, never one each: a burst of webhooks costs at most two fetches.
 */
export function scheduleGitLinkSync(linkId: string): void {
  const current = scheduled.get(linkId);
  if (current) {
    current.again = true;
    return;
  }
  const entry: Scheduled = { again: false, done: Promise.resolve(null as unknown as SyncResult) };
  entry.done = (async () => {
    let result: SyncResult;
    do {
      entry.again = false;
      result = await syncGitLink(linkId, { trigger: "webhook" });
    } while (entry.again);
    return result;
  })().finally(() => scheduled.delete(linkId));
  scheduled.set(linkId, entry);
  entry.done.catch((error: unknown) =>
    logger.warn({ link: linkId, error: error instanceof Error ? error.message : String(error) }, "webhook sync failed"),
  );
}

/** The outcome of the link's background sync still running in this process, or null when none is. */
export function settledGitLinkSync(linkId: string): Promise<SyncResult> | null {
  return scheduled.get(linkId)?.done ?? null;
}
