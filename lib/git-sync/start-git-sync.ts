import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { withSessionLock } from "@/lib/core/session-lock";
import { onChangeRequestApproved } from "@/lib/change-requests/approval-hooks";
import { pushApprovedChange } from "@/lib/git-sync/push-approved-change";
import { syncGitLink } from "@/lib/git-sync/sync-git-link";

const TICK_MS = 15_000;

/** Syncs every link whose poll is due; one instance at a time (others skip the tick). */
export async function pollDueGitLinks(now = new Date()): Promise<number> {
  const ran = await withSessionLock(ADVISORY_LOCKS.gitPoll, async () => {
    const due = await db.gitLink.findMany({
      where: { pollIntervalSeconds: { not: null }, nextPollAt: { lte: now } },
      select: { id: true, pollIntervalSeconds: true },
    });
    for (const link of due) {
      await db.gitLink.update({
        where: { id: link.id },
        data: { nextPollAt: new Date(now.getTime() + link.pollIntervalSeconds! * 1000) },
      });
      await syncGitLink(link.id, { trigger: "poll" });
    }
    return due.length;
  });
  return ran ?? 0;
}

let timer: NodeJS.Timeout | undefined;

/** From boot: the approval hook that pushes editor changes, and the poller. */
export function startGitSync(): void {
  onChangeRequestApproved("git-sync", pushApprovedChange);
  if (timer) return;
  timer = setInterval(() => {
    pollDueGitLinks().catch((err: unknown) => logger.warn({ err }, "git link poll failed"));
  }, TICK_MS);
  timer.unref();
}
