import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { listServices } from "@/lib/allowlists/list-services";
import { ZListServicesQuery } from "@/lib/allowlists/schemas";
import { AllowlistIcon } from "@/components/icons";
import { AllowlistTabs } from "./_components/allowlist-tabs";
import { NewServiceButton } from "./_components/new-service-form";
import { DataTable, PageHeader, SearchForm, num } from "@/components/ui";

export const metadata: Metadata = { title: "Allowlists" };

export default async function AllowlistsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requirePageActor("allowlist:read");
  const parsed = ZListServicesQuery.safeParse(await searchParams);
  const q = parsed.success ? parsed.data.q : undefined;
  const services = await listServices({ actor, q });
  const canWrite = can(actor, "allowlist:write");
  const totals = services.reduce(
    (t, s) => ({ grants: t.grants + s.grants, expired: t.expired + s.expired, expiring: t.expiring + s.expiringSoon }),
    { grants: 0, expired: 0, expiring: 0 },
  );

  return (
    <div className="page">
      <PageHeader title="Caller allowlists" actions={canWrite ? <NewServiceButton /> : null}>
        Which workload (SPIFFE ID) may call which endpoint of which service. Published to OPA as data; deny by default.
      </PageHeader>
      <AllowlistTabs active="/allowlists" />
      <div className="grid-4" style={{ marginBottom: 16 }}>
        <div className="card stat">
          <div className="stat-label">Services</div>
          <div className="stat-value">{services.length}</div>
        </div>
        <div className="card stat">
          <div className="stat-label">Grants</div>
          <div className="stat-value">{totals.grants.toLocaleString("en-US")}</div>
        </div>
        <div className="card stat">
          <div className="stat-label">Expiring in 14 days</div>
          <div className="stat-value">{totals.expiring}</div>
          <div className="stat-sub">
            <Link href="/allowlists/expiring">Review →</Link>
          </div>
        </div>
        <div className="card stat">
          <div className="stat-label">Expired (not published)</div>
          <div className="stat-value">{totals.expired}</div>
        </div>
      </div>
      <div className="card">
        <div className="card-header">
          <SearchForm
            action="/allowlists"
            id="service-search"
            label="Search services"
            name="q"
            placeholder="Search by name, team or trust domain"
            defaultValue={q ?? ""}
          />
          <span className="muted small">
            {services.length} {services.length === 1 ? "service" : "services"}
          </span>
        </div>
        {services.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <AllowlistIcon />
            </div>
            {q ? (
              <>
                <h2>No service matches “{q}”</h2>
                <p>Search by service name, owning team or trust domain.</p>
                <Link href="/allowlists" className="btn">
                  Clear search
                </Link>
              </>
            ) : (
              <>
                <h2>No services yet</h2>
                <p>Add a service and its endpoints, then grant callers access — or import an existing allowlist.</p>
                {canWrite ? (
                  <Link href="/allowlists/import" className="btn">
                    Import a file
                  </Link>
                ) : null}
              </>
            )}
          </div>
        ) : (
          <DataTable columns={["Service", "Trust domain", "Owner", num("Endpoints"), num("Grants"), "Attention"]}>
            {services.map((s) => (
              <tr key={s.name}>
                <td>
                  <Link href={`/allowlists/services/${s.name}`} className="table-link">
                    {s.name}
                  </Link>
                  {s.description ? (
                    <div className="muted small truncate" style={{ maxWidth: 320 }}>
                      {s.description}
                    </div>
                  ) : null}
                </td>
                <td>
                  <code>{s.trustDomain}</code>
                </td>
                <td>{s.ownerTeam}</td>
                <td className="num">{s.endpoints}</td>
                <td className="num">{s.grants.toLocaleString("en-US")}</td>
                <td>
                  <GrantExpiry expiringSoon={s.expiringSoon} expired={s.expired} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </div>
  );
}

function GrantExpiry({ expiringSoon, expired }: { expiringSoon: number; expired: number }) {
  if (expiringSoon === 0 && expired === 0) return <span className="muted small">—</span>;
  return (
    <div className="row row-wrap">
      {expiringSoon > 0 ? <span className="badge badge-warn">{expiringSoon} expiring</span> : null}
      {expired > 0 ? <span className="badge badge-danger">{expired} expired</span> : null}
    </div>
  );
}
