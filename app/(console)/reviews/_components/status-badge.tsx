const LABELS = {
  open: "In review",
  changes_requested: "Changes requested",
  approved: "Approved",
  published: "Published",
  closed: "Closed",
} as const;
const STYLES = {
  open: "badge-accent",
  changes_requested: "badge-warn",
  approved: "badge-ok",
  published: "badge-ok",
  closed: "",
} as const;

export type ChangeRequestStatusName = keyof typeof LABELS;

export function ChangeRequestStatusBadge({ status }: { status: ChangeRequestStatusName }) {
  return (
    <span className={`badge ${STYLES[status]}`} data-status={status}>
      {LABELS[status]}
    </span>
  );
}
