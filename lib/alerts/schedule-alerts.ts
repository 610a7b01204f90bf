import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { withSessionLock } from "@/lib/core/session-lock";
import { deliverDueAlerts } from "@/lib/alerts/deliver-alerts";
import { evaluateAlerts } from "@/lib/alerts/raise-alerts";

const DELIVERY_INTERVAL_MS = 5_000;
let started = false;

/**
 * Background alerting: one instance at a time evaluates the conditions (a session lock; the
 * others skip), and every instance sends due deliveries (rows are claimed with SKIP LOCKED).
 */
export function scheduleAlerts(): void {
  if (started) return;
  started = true;
  const evaluate = setInterval(() => {
    withSessionLock(ADVISORY_LOCKS.alertEvaluation, () => evaluateAlerts()).catch((err) =>
      logger.warn({ err }, "alert evaluation failed; will try again"),
    );
  }, env().ALERT_EVALUATION_INTERVAL_SECONDS * 1000);
  const deliver = setInterval(() => {
    deliverDueAlerts().catch((err) => logger.warn({ err }, "alert delivery round failed; will try again"));
  }, DELIVERY_INTERVAL_MS);
  evaluate.unref();
  deliver.unref();
}
