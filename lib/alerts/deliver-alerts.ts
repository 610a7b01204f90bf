import { db } from "@/lib/core/db";
import { openText } from "@/lib/core/secret-box";
import { logger } from "@/lib/core/logger";
import { sealContext } from "@/lib/alerts/create-alert-webhook";
import { signAlertBody } from "@/lib/alerts/webhook-payload";

/** After this many failed attempts (about 11 hours of backoff) a delivery is failed; it can be redelivered. */
export const MAX_ATTEMPTS = 15;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 3_600_000;
/** A claimed delivery is not claimed again for this long, so an instance that dies mid-send only delays it. */
const CLAIM_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_ERROR_CHARS = 500;

/** How long after its n-th failed attempt a delivery is tried again: 30 s, 1 min, 2 min … at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), LONGEST_RETRY_MS);
}

export type DeliveryOutcome = { id: string; delivered: boolean; status: number | null; error: string | null };

/**
 * Sends every pending delivery that is due (at least once: a receiver tells repeats apart by the
 * X-Verdict-Delivery header). Instances share the work: each claims rows with SKIP LOCKED.
 */
export async function deliverDueAlerts(options: { now?: Date; limit?: number } = {}): Promise<DeliveryOutcome[]> {
  const now = options.now ?? new Date();
  const claimed = await db.$queryRaw<Array<{ id: string }>>`
    UPDATE alert_deliveries SET next_attempt_at = ${new Date(now.getTime() + CLAIM_MS)}
     WHERE id IN (SELECT id FROM alert_deliveries
                   WHERE state = 'pending' AND next_attempt_at <= ${now}
                   ORDER BY next_attempt_at LIMIT ${options.limit ?? 50}
                   FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  const outcomes: DeliveryOutcome[] = [];
  for (const { id } of claimed) outcomes.push(await attemptDelivery(id, now));
  return outcomes;
}

/** One attempt of one delivery, recorded whatever happens. */
export async function attemptDelivery(id: string, now = new Date()): Promise<DeliveryOutcome> {
  const delivery = await db.alertDelivery.findUniqueOrThrow({
    where: { id },
    include: { webhook: { select: { id: true, urlSealed: true, secretSealed: true } } },
  });
  const { status, error } = await post(delivery.webhook, delivery.id, delivery.kind, delivery.body, now);
  const delivered = error === null;
  const attempts = delivery.attempts + 1;
  await db.alertDelivery.update({
    where: { id },
    data: delivered
      ? { state: "delivered", attempts, lastStatus: status, lastError: null, deliveredAt: new Date() }
      : {
          state: attempts >= MAX_ATTEMPTS ? "failed" : "pending",
          attempts,
          lastStatus: status,
          lastError: error,
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)),
        },
  });
  if (!delivered)
    logger.warn({ delivery: id, webhook: delivery.webhook.id, status, attempts }, "alert delivery failed");
  return { id, delivered, status, error };
}

async function post(
  webhook: { id: string; urlSealed: string; secretSealed: string },
  deliveryId: string,
  kind: string,
  body: string,
  now: Date,
): Promise<{ status: number | null; error: string | null }> {
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    const url = openText(webhook.urlSealed, sealContext(webhook.id, "url"));
    const secret = openText(webhook.secretSealed, sealContext(webhook.id, "secret"));
    const response = await fetch(url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "Verdict-Alerts/1",
        "x-verdict-event": kind,
        "x-verdict-delivery": deliveryId,
        "x-verdict-timestamp": String(timestamp),
        "x-verdict-signature": signAlertBody(secret, timestamp, body),
      },
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { status: response.status, error: null };
    return { status: response.status, error: `the receiver answered ${response.status}` };
  } catch (e) {
    // The error names the failure (refused, timed out), never the URL: it may hold a credential.
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    const message = e instanceof Error ? (e.name === "TimeoutError" ? "timed out" : (cause ?? e.message)) : String(e);
    return { status: null, error: message.slice(0, MAX_ERROR_CHARS) };
  }
}
