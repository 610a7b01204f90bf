// Access diffs as people review them: one line per grant tuple,
// "+ spiffe://prod/ns/billing/sa/api → payments POST /refunds", never raw JSON.

export type AccessDiff = {
  /** "+ …" added, "− …" removed, "~ …: what changed" — sorted within each group. */
  lines: string[];
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** One line for a list or a notification: "+ spiffe://… → payments POST /refunds; − 2 grants". */
  summary: string;
};

type Grant = { caller: string; service: string; method: string; path: string; expiresAt?: Date | null };
type Details = { owner: string; reason: string; expiresAt: Date | null; crossTrustDomain: boolean };

export function grantLine(g: Grant): string {
  const until = g.expiresAt ? ` (until ${formatExpiry(g.expiresAt)})` : "";
  return `${g.caller} → ${g.service} ${g.method} ${g.path}${until}`;
}

export function formatExpiry(date: Date): string {
  return date.toISOString().replace(":00.000Z", "Z").replace(".000Z", "Z");
}

/** What differs between a stored grant and a requested one, as short phrases. */
export function describeEntryChanges(before: Details, after: Details): string[] {
  const changes: string[] = [];
  const expiry = (d: Date | null) => (d ? formatExpiry(d) : "no expiry");
  if ((before.expiresAt?.getTime() ?? null) !== (after.expiresAt?.getTime() ?? null))
    changes.push(`expiry ${expiry(before.expiresAt)} → ${expiry(after.expiresAt)}`);
  if (before.owner !== after.owner) changes.push(`owner ${before.owner} → ${after.owner}`);
  if (before.reason !== after.reason) changes.push("reason changed");
  if (before.crossTrustDomain !== after.crossTrustDomain)
    changes.push(after.crossTrustDomain ? "cross-trust-domain granted" : "cross-trust-domain withdrawn");
  return changes;
}

/** A single change is spelled out; more are counted. */
export function formatDiffSummary(
  counts: { added: number; removed: number; changed: number; unchanged: number },
  lines: string[],
): string {
  const part = (n: number, sign: string, noun: string) => {
    if (n === 0) return null;
    if (n === 1) return lines.find((l) => l.startsWith(sign)) ?? `${sign} 1 ${noun}`;
    return `${sign} ${n} ${noun}s`;
  };
  const parts = [
    part(counts.added, "+", "grant"),
    part(counts.removed, "−", "grant"),
    part(counts.changed, "~", "changed grant"),
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? "no change" : parts.join("; ");
}
