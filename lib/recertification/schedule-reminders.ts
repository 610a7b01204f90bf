import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { withSessionLock } from "@/lib/core/session-lock";
import { remindCampaign } from "@/lib/recertification/send-reminders";

const SWEEP_INTERVAL_MS = 3_600_000;
const REMIND_EVERY_MS = 24 * 3_600_000;
let started = false;

/** Reminds the owners of open campaigns with undecided items once a day (and admins can send one any time). */
export async function remindDueCampaigns(now = new Date()): Promise<number> {
  const due = await db.recertificationCampaign.findMany({
    where: {
      status: "open",
      items: { some: { decision: null } },
      OR: [{ lastReminderAt: null }, { lastReminderAt: { lt: new Date(now.getTime() - REMIND_EVERY_MS) } }],
    },
    select: { id: true },
  });
  for (const c of due) await remindCampaign({ type: "system", label: "recertification reminders" }, c.id, now);
  return due.length;
}

export function scheduleRecertificationReminders(): void {
  if (started) return;
  started = true;
  const timer = setInterval(() => {
    withSessionLock(ADVISORY_LOCKS.recertificationReminders, () => remindDueCampaigns()).catch((err) =>
      logger.warn({ err }, "recertification reminders failed; will try again"),
    );
  }, SWEEP_INTERVAL_MS);
  timer.unref();
}
