import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { listCampaigns } from "@/lib/recertification/campaign-views";
import { listNotices } from "@/lib/recertification/notices";
import { formatDateTime } from "@/components/format";
import { DataTable, EmptyState, PageHeader, num } from "@/components/ui";
import { StartCampaignForm } from "./start-campaign-form";
import { NoticeList } from "./notice-list";
import { ProgressBar } from "@/components/progress-bar";

export const metadata: Metadata = { title: "Recertification" };

export default async function RecertificationPage() {
  const actor = await requirePageActor("allowlist:read");
  const [campaigns, notices] = await Promise.all([listCampaigns({ actor }), listNotices({ actor })]);
  return (
    <div className="page">
      <PageHeader title="Recertification">
        Campaigns ask the owner of every allowlist grant to keep, narrow or revoke it, with evidence from the decision
        log: when it was last used, how often, and for which endpoints. Narrowing and revoking propose an allowlist
        change request that is reviewed and published like any other.
      </PageHeader>
      <div className="stack">
        {can(actor, "recertification:manage") ? <StartCampaignForm /> : null}
        {notices.length > 0 ? <NoticeList notices={notices} /> : null}
        <section className="card" aria-labelledby="campaigns-title">
          <div className="card-header">
            <h2 id="campaigns-title">Campaigns</h2>
          </div>
          {campaigns.length === 0 ? (
            <EmptyState title="No campaigns yet">
              An admin starts one over all grants, a service or an owner.
            </EmptyState>
          ) : (
            <DataTable
              label="Recertification campaigns"
              columns={["#", "Title", "Status", "Due", "Progress", num("Unused"), num("Over-wide"), num("Overdue")]}
            >
              {campaigns.map((c) => {
                const pct = c.progress.total ? Math.round((100 * c.progress.decided) / c.progress.total) : 0;
                return (
                  <tr key={c.id} className={c.overdue ? "row-overdue" : undefined}>
                    <td>{c.number}</td>
                    <td>
                      <Link href={`/admin/recertification/${c.number}`}>{c.title}</Link>
                    </td>
                    <td>
                      <span
                        className={`badge ${c.status === "open" ? (c.overdue ? "badge-danger" : "badge-accent") : "badge-ok"}`}
                      >
                        {c.status === "open" && c.overdue ? "overdue" : c.status}
                      </span>
                    </td>
                    <td>{formatDateTime(c.dueAt)}</td>
                    <td>
                      <ProgressBar label={`${c.title}: ${pct}% decided`} percent={pct} />
                      <span className="small muted">
                        {c.progress.decided} / {c.progress.total} decided
                      </span>
                    </td>
                    <td className="num">{c.progress.unused}</td>
                    <td className="num">{c.progress.overWide}</td>
                    <td className="num">{c.progress.overdue}</td>
                  </tr>
                );
              })}
            </DataTable>
          )}
        </section>
      </div>
    </div>
  );
}
