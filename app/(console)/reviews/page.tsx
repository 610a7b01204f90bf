import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { listChangeRequests } from "@/lib/reviews/change-request-views";
import { ZListChangeRequestsQuery } from "@/lib/change-requests/schemas";
import { PlusIcon, ReviewIcon } from "@/components/icons";
import { formatDateTime, timeAgo } from "@/components/format";
import { ChangeRequestStatusBadge } from "./_components/status-badge";
import { DataTable, PageHeader, num } from "@/components/ui";

export const metadata: Metadata = { title: "Change requests" };

const TABS = [
  ["active", "Active"],
  ["approved", "Approved"],
  ["published", "Published"],
  ["closed", "Closed"],
  ["all", "All"],
] as const;

export default async function ReviewsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requirePageActor("policy:read");
  const parsed = ZListChangeRequestsQuery.safeParse(await searchParams);
  const query = parsed.success ? parsed.data : ZListChangeRequestsQuery.parse({});
  const { items, nextCursor } = await listChangeRequests({ actor, query });
  const canSubmit = can(actor, "change:submit");
  return (
    <div className="page">
      <PageHeader
        title="Change requests"
        actions={
          canSubmit ? (
            <Link href="/reviews/new" className="btn btn-primary">
              <PlusIcon /> New change request
            </Link>
          ) : null
        }
      >
        What authors ask to ship. Someone who wrote none of it approves the exact content; publishing turns it into
        signed bundle revisions.
      </PageHeader>
      <nav className="tabs" aria-label="Filter by status">
        {TABS.map(([value, label]) => (
          <Link
            key={value}
            href={`/reviews?status=${value}`}
            aria-current={query.status === value ? "page" : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
      <div className="card">
        {items.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <ReviewIcon />
            </div>
            <h2>No change requests here</h2>
            <p>
              {canSubmit
                ? "Save a policy version, then submit it for review."
                : "Authors submit policy versions for review; they appear here."}
            </p>
            {canSubmit ? (
              <Link href="/reviews/new" className="btn btn-primary">
                <PlusIcon /> New change request
              </Link>
            ) : null}
          </div>
        ) : (
          <DataTable columns={["#", "Title", "Status", "Author", num("Items"), "Updated"]} label="Change requests">
            {items.map((cr) => (
              <tr key={cr.number}>
                <td className="mono muted">#{cr.number}</td>
                <td>
                  <Link href={`/reviews/${cr.number}`} className="table-link">
                    {cr.title}
                  </Link>
                </td>
                <td>
                  <ChangeRequestStatusBadge status={cr.status} />
                </td>
                <td>{cr.author.name}</td>
                <td className="num">{cr.itemCount}</td>
                <td title={formatDateTime(cr.updatedAt)}>{timeAgo(cr.updatedAt)}</td>
              </tr>
            ))}
          </DataTable>
        )}
        {nextCursor ? (
          <div className="pagination">
            <span />
            <Link className="btn btn-sm" href={`/reviews?status=${query.status}&cursor=${nextCursor}`}>
              Older →
            </Link>
          </div>
        ) : null}
      </div>
    </div>
  );
}
