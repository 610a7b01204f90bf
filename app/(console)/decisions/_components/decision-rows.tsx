import Link from "next/link";
import { decisionHref, type DecisionSummary } from "@/lib/decisions/decision-views";
import { DataTable } from "@/components/ui";

const OUTCOME_BADGE = { allowed: "badge badge-ok", denied: "badge badge-danger", other: "badge" } as const;
const OUTCOME_LABEL = { allowed: "allowed", denied: "denied", other: "undefined" } as const;

export function OutcomeBadge({ outcome }: { outcome: DecisionSummary["outcome"] }) {
  return <span className={OUTCOME_BADGE[outcome]}>{OUTCOME_LABEL[outcome]}</span>;
}

/** "2026-11-22 14:03:07.123" (UTC) — decision times are compared to the millisecond. */
export function utcStamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

export function DecisionTable({ items, fresh }: { items: DecisionSummary[]; fresh?: ReadonlySet<string> }) {
  return (
    <DataTable
      columns={["Time (UTC)", "Outcome", "Path", "Caller", "Agent", "Revision"]}
      className="table decision-table"
    >
      {items.map((d) => (
        <tr
          key={`${d.timestamp}|${d.decisionId}`}
          className={fresh?.has(`${d.timestamp}|${d.decisionId}`) ? "row-fresh" : undefined}
        >
          <td className="nowrap mono small">
            <Link
              href={decisionHref(d)}
              className="table-link"
              aria-label={`Decision ${d.decisionId} at ${utcStamp(d.timestamp)} UTC`}
            >
              {utcStamp(d.timestamp)}
            </Link>
          </td>
          <td>
            <OutcomeBadge outcome={d.outcome} />
          </td>
          <td className="mono small">{d.path ?? <span className="muted">(ad-hoc query)</span>}</td>
          <td className="mono small truncate" style={{ maxWidth: 340 }} title={d.caller ?? undefined}>
            {d.caller ?? <span className="muted">—</span>}
          </td>
          <td className="small truncate" style={{ maxWidth: 180 }} title={d.agent}>
            {d.agent}
          </td>
          <td className="nowrap small">
            {d.revisions.length ? (
              <span className="mono">{d.revisions.join(", ")}</span>
            ) : (
              <span className="muted">none</span>
            )}
            {d.unpublished ? (
              <span
                className="badge badge-warn"
                title="Decided by a bundle revision Verdict did not publish"
                style={{ marginLeft: 6 }}
              >
                unpublished
              </span>
            ) : null}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
