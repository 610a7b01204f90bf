/**
 * What Verdict alerts on. Conditions are checked on a schedule and fire once while they hold;
 * events (a rollout aborted) fire each time they happen.
 */
export const ALERT_KINDS = {
  denial_spike: { label: "Denial-rate spike", type: "condition" },
  revision_drift: { label: "Agents on an unknown revision", type: "condition" },
  unhealthy_agents: { label: "Stale or failing agents", type: "condition" },
  grants_expiring: { label: "Allowlist grants about to expire", type: "condition" },
  rollout_aborted: { label: "Rollout aborted", type: "event" },
  recertification_reminder: { label: "Recertification reminders to grant owners", type: "event" },
} as const;

export type AlertKind = keyof typeof ALERT_KINDS;
export const ALERT_KIND_NAMES = Object.keys(ALERT_KINDS) as [AlertKind, ...AlertKind[]];

export type AlertSeverity = "info" | "warning" | "critical";

/** One alert: `key` tells one occurrence of a kind from another (a path, a bundle revision, an owner and day). */
export type Alert = {
  kind: AlertKind;
  key: string;
  severity: AlertSeverity;
  summary: string;
  details: Record<string, unknown>;
};
