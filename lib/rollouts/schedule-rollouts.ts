import { logger } from "@/lib/core/logger";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { withSessionLock } from "@/lib/core/session-lock";
import { evaluateRunningRollouts } from "@/lib/rollouts/evaluate-rollout";

const TICK_MS = 15_000;
let started = false;

/** The background judge: every 15 s one instance (a session lock; the others skip) evaluates running rollouts. */
export function scheduleRollouts(): void {
  if (started) return;
  started = true;
  const timer = setInterval(() => {
    withSessionLock(ADVISORY_LOCKS.rolloutEvaluation, () => evaluateRunningRollouts()).catch((err) =>
      logger.warn({ err }, "rollout evaluation failed; will try again"),
    );
  }, TICK_MS);
  timer.unref();
}
