import { stringify } from "csv-stringify/sync";
import type { Actor } from "@/lib/auth/actor";
import { getCampaign, type CampaignItemView } from "@/lib/recertification/campaign-views";

export const REPORT_COLUMNS = [
  "service",
  "method",
  "path",
  "caller",
  "owner",
  "classification",
  "last_used_at",
  "request_count",
  "endpoint_count",
  "narrow_to",
  "suggestion",
  "decision",
  "decided_by",
  "decided_at",
  "change_request",
  "note",
  "overdue",
] as const;

// Cells a spreadsheet would run as formulas get a leading "'" (as the allowlist export does).
const guard = (value: string) => (/^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value);

function row(i: CampaignItemView): string[] {
  return [
    i.service,
    i.method,
    i.path,
    i.caller,
    i.owner,
    i.classification,
    i.lastUsedAt ?? "",
    i.requestCount,
    String(i.endpointCount),
    (i.narrowTo ?? []).map((e) => `${e.method} ${e.path}`).join("; "),
    i.suggestion,
    i.decision ?? "undecided",
    i.decidedBy ?? "",
    i.decidedAt ?? "",
    i.changeRequestNumber ? `#${i.changeRequestNumber}` : "",
    i.note,
    i.overdue ? "yes" : "no",
  ].map(guard);
}

/** The campaign's final (or current) state, one row per grant. */
export async function campaignReportCsv(options: { actor: Actor; number: number }) {
  const { campaign, items } = await getCampaign({ actor: options.actor, number: options.number });
  return {
    filename: `recertification-${campaign.number}.csv`,
    body: stringify([[...REPORT_COLUMNS], ...items.map(row)]),
  };
}
