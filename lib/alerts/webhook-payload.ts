import { createHmac } from "node:crypto";
import type { Alert } from "@/lib/alerts/alert-kinds";
import { ALERT_KINDS } from "@/lib/alerts/alert-kinds";

export type AlertFormat = "json" | "slack";
export type FiredAlert = Alert & { id: string; firedAt: Date };

const SLACK_ICON = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" } as const;

/** The request body a webhook receives: Verdict's own JSON, or a Slack incoming-webhook message. */
export function renderAlertBody(format: AlertFormat, alert: FiredAlert, consoleUrl: string): string {
  if (format === "json")
    return JSON.stringify({
      source: "verdict",
      id: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      summary: alert.summary,
      details: alert.details,
      firedAt: alert.firedAt.toISOString(),
      url: consoleUrl,
    });
  const title = `${SLACK_ICON[alert.severity]} *${ALERT_KINDS[alert.kind].label}*: ${alert.summary}`;
  return JSON.stringify({
    text: `${ALERT_KINDS[alert.kind].label}: ${alert.summary}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: title } },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `${alert.kind} · ${alert.firedAt.toISOString()} · <${consoleUrl}|Verdict>` },
        ],
      },
    ],
  });
}

/**
 * The signature header's value: HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret.
 * Binding the timestamp lets a receiver refuse replays older than a few minutes.
 */
export function signAlertBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What the console shows of a webhook URL: scheme, host and the first path segment; the rest may be a credential. */
export function displayWebhookUrl(url: string): string {
  const parsed = new URL(url);
  const [first, ...rest] = parsed.pathname.split("/").filter(Boolean);
  return `${parsed.protocol}//${parsed.host}/${first ?? ""}${rest.length > 0 || parsed.search ? "/…" : ""}`;
}
