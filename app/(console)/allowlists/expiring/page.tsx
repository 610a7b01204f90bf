import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listExpiringGrants, type ExpiringGrant } from "@/lib/allowlists/caller-queries";
import { ZExpiringQuery } from "@/lib/allowlists/schemas";
import { formatDateTime } from "@/components/format";
import { AllowlistTabs } from "../_components/allowlist-tabs";
import { CallerLink, EntryStatusBadge, ServiceEndpointCells } from "../_components/entry-status";
import { DataTable, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Expiring grants · Allowlists" };

export default async function ExpiringPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requirePageActor("allowlist:read");
  const parsed = ZExpiringQuery.safeParse(await searchParams);
  const { days, expiringSoon, recentlyExpired } = await listExpiringGrants({
    actor,
    days: parsed.success ? parsed.data.days : undefined,
  });
  return (
    <div className="page">
      <PageHeader
        title="Expiring grants"
        actions={
          <form className="row" action="/allowlists/expiring">
            <label htmlFor="days" className="label">
              Window
            </label>
            <select id="days" name="days" className="input" defaultValue={String(days)} style={{ width: 120 }}>
              {[7, 14, 30, 90].map((d) => (
                <option key={d} value={d}>
                  {d} days
                </option>
              ))}
            </select>
            <button type="submit" className="btn">
              Apply
            </button>
          </form>
        }
      >
        Grants that stop working within {days} days, and those that stopped in the last {days}. Expired grants are left
        out of every publish.
      </PageHeader>
      <AllowlistTabs active="/allowlists/expiring" />
      <div className="stack">
        <GrantTable
          title={`Expiring in the next ${days} days`}
          grants={expiringSoon}
          empty={`Nothing expires in the next ${days} days.`}
        />
        <GrantTable
          title={`Expired in the last ${days} days`}
          grants={recentlyExpired}
          empty="Nothing expired recently."
        />
      </div>
    </div>
  );
}

function GrantTable({ title, grants, empty }: { title: string; grants: ExpiringGrant[]; empty: string }) {
  return (
    <section className="card" aria-label={title}>
      <div className="card-header">
        <h2 style={{ fontSize: 14 }}>{title}</h2>
        <span className="muted small">{grants.length}</span>
      </div>
      {grants.length === 0 ? (
        <p className="card-body muted">{empty}</p>
      ) : (
        <DataTable columns={["When", "Caller", "Service", "Endpoint", "Owner"]}>
          {grants.map((g) => (
            <tr key={g.entryId} className={g.status === "expired" ? "row-expired" : undefined}>
              <td>
                <EntryStatusBadge status={g.status} expiresAt={g.expiresAt} />
                <div className="muted small">{g.expiresAt ? formatDateTime(g.expiresAt) : ""}</div>
              </td>
              <td className="caller-cell">
                <CallerLink caller={g.caller} />
              </td>
              <ServiceEndpointCells service={g.service} method={g.method} path={g.path} />
              <td>{g.owner}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
