import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listAllowlistChangeRequests } from "@/lib/allowlists/change-set-views";
import { formatDateTime, timeAgo } from "@/components/format";
import { AllowlistTabs } from "../_components/allowlist-tabs";
import { DataTable, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Proposed changes · Allowlists" };

export default async function AllowlistChangesPage() {
  const actor = await requirePageActor("allowlist:read");
  const changes = await listAllowlistChangeRequests({ actor });
  return (
    <div className="page">
      <PageHeader title="Proposed allowlist changes">
        Every grant, change and revocation is a change request: someone other than its author approves it, and
        publishing applies it and ships it to OPA.
      </PageHeader>
      <AllowlistTabs active="/allowlists/changes" />
      <div className="card">
        {changes.length === 0 ? (
          <div className="empty">
            <h2>No allowlist changes yet</h2>
            <p>Grant access on a service page or import a file; each becomes a change request here.</p>
          </div>
        ) : (
          <DataTable columns={["#", "Change", "Status", "Author", "Updated"]}>
            {changes.map((c) => (
              <tr key={c.number}>
                <td className="num" style={{ width: 60 }}>
                  #{c.number}
                </td>
                <td>
                  <Link className="table-link" href={`/allowlists/changes/${c.number}`}>
                    {c.title}
                  </Link>
                </td>
                <td>
                  <span
                    className={`badge ${c.status === "published" ? "badge-ok" : c.status === "approved" ? "badge-accent" : c.status === "closed" ? "" : "badge-warn"}`}
                  >
                    {c.status.replace("_", " ")}
                  </span>
                </td>
                <td className="small">{c.author}</td>
                <td title={formatDateTime(c.updatedAt)}>{timeAgo(c.updatedAt)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </div>
  );
}
