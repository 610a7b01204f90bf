import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { getServiceDetail } from "@/lib/allowlists/list-services";
import { ZServiceParams } from "@/lib/allowlists/schemas";
import { notFound } from "next/navigation";
import { AllowlistIcon } from "@/components/icons";
import { EndpointCard } from "./endpoint-card";
import { AddEndpointForm } from "./add-endpoint-form";
import { CheckRequest } from "./check-request";
import { OverWideGrants } from "./over-wide-grants";
import { overWideGrants } from "@/lib/recertification/over-wide-grants";
import { Breadcrumbs } from "@/components/breadcrumbs";

const EVIDENCE_DAYS = 30;

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${(await params).name} · Allowlists` };
}

export default async function ServicePage({ params }: Props) {
  const actor = await requirePageActor("allowlist:read");
  const parsed = ZServiceParams.safeParse(await params);
  if (!parsed.success) notFound();
  const service = await getServiceDetail({ actor, name: parsed.data.name }).catch(() => null);
  if (!service) notFound();
  const canWrite = can(actor, "allowlist:write");
  const wide = await overWideGrants({ actor, service: service.name, days: EVIDENCE_DAYS });
  const grants = service.endpoints.reduce((n, e) => n + e.entries.length, 0);

  return (
    <div className="page">
      <Breadcrumbs trail={[{ href: "/allowlists", label: "Allowlists" }]}>{service.name}</Breadcrumbs>
      <div className="page-header">
        <div>
          <h1>{service.name}</h1>
          <p className="subtitle">
            Trust domain <code>{service.trustDomain}</code> · owned by <strong>{service.ownerTeam}</strong> ·{" "}
            {service.endpoints.length} endpoint{service.endpoints.length === 1 ? "" : "s"}, {grants} grant
            {grants === 1 ? "" : "s"}
          </p>
          {service.description ? (
            <p className="muted small" style={{ marginTop: 4 }}>
              {service.description}
            </p>
          ) : null}
        </div>
        {canWrite ? <AddEndpointForm service={service.name} /> : null}
      </div>
      <div className="service-layout">
        <div className="stack">
          {service.endpoints.length === 0 ? (
            <div className="card empty">
              <div className="empty-icon">
                <AllowlistIcon />
              </div>
              <h2>No endpoints yet</h2>
              <p>
                An endpoint is an HTTP method (or any) and a path pattern such as <code>/refunds/{"{id}"}</code> or{" "}
                <code>/reports/*</code>.
              </p>
            </div>
          ) : (
            service.endpoints.map((endpoint) => (
              <EndpointCard
                key={endpoint.id}
                service={{ name: service.name, trustDomain: service.trustDomain }}
                endpoint={endpoint}
                canWrite={canWrite}
              />
            ))
          )}
        </div>
        <aside className="stack">
          <CheckRequest service={service.name} trustDomain={service.trustDomain} />
          <OverWideGrants grants={wide} days={EVIDENCE_DAYS} canPropose={canWrite && can(actor, "change:submit")} />
          <div className="card card-body small muted">
            Requests from another trust domain are denied unless a grant is marked <em>cross-trust-domain</em>. Expired
            grants stay listed here but are left out of the next publish, and the shipped policy ignores them from the
            moment they expire.
          </div>
        </aside>
      </div>
    </div>
  );
}
