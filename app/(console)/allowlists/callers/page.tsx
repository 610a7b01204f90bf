import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { getCallerView, searchCallers } from "@/lib/allowlists/caller-queries";
import { AllowlistTabs } from "../_components/allowlist-tabs";
import {
  CallerLink,
  CrossTrustDomainBadge,
  EntryStatusBadge,
  OwnerReason,
  ServiceEndpointCells,
  SpiffeIdText,
} from "../_components/entry-status";
import { DataTable, PageHeader, SearchForm, num } from "@/components/ui";

export const metadata: Metadata = { title: "Callers · Allowlists" };

type Search = { id?: string; prefix?: string };

export default async function CallersPage({ searchParams }: { searchParams: Promise<Search> }) {
  const actor = await requirePageActor("allowlist:read");
  const { id, prefix } = await searchParams;
  const callerId = id?.trim().slice(0, 2048);
  const searchPrefix = (prefix ?? "spiffe://").trim().slice(0, 2048);

  return (
    <div className="page">
      <PageHeader title="Callers">
        What may a workload call? Search callers by SPIFFE ID prefix, or open one to see every endpoint it may reach.
      </PageHeader>
      <AllowlistTabs active="/allowlists/callers" />
      {callerId ? (
        <CallerView actor={actor} callerId={callerId} />
      ) : (
        <CallerSearch actor={actor} prefix={searchPrefix} />
      )}
    </div>
  );
}

async function CallerSearch({
  actor,
  prefix,
}: {
  actor: Awaited<ReturnType<typeof requirePageActor>>;
  prefix: string;
}) {
  const callers = await searchCallers({ actor, prefix, limit: 200 });
  return (
    <div className="card">
      <div className="card-header">
        <SearchForm
          action="/allowlists/callers"
          style={{ flex: 1, maxWidth: 640 }}
          id="caller-prefix"
          label="SPIFFE ID prefix"
          name="prefix"
          className="input mono"
          defaultValue={prefix}
          placeholder="spiffe://prod.example.com/ns/billing/"
        />
        <span className="muted small">
          {callers.length === 200 ? "first 200" : callers.length} caller{callers.length === 1 ? "" : "s"}
        </span>
      </div>
      {callers.length === 0 ? (
        <div className="empty">
          <h2>
            No caller starts with <code>{prefix}</code>
          </h2>
          <p>
            Prefixes match from the start: <code>spiffe://prod/ns/billing/</code> finds every billing workload.
          </p>
        </div>
      ) : (
        <DataTable columns={["Caller", num("Services"), num("Grants"), "Expired"]}>
          {callers.map((c) => (
            <tr key={c.caller}>
              <td>
                <CallerLink caller={c.caller} />
                {c.caller.endsWith("/*") ? (
                  <span className="badge badge-accent" style={{ marginLeft: 8 }}>
                    wildcard
                  </span>
                ) : null}
              </td>
              <td className="num">{c.services}</td>
              <td className="num">{c.grants}</td>
              <td>
                {c.expired > 0 ? (
                  <span className="badge badge-danger">{c.expired} expired</span>
                ) : (
                  <span className="muted small">—</span>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}

async function CallerView({
  actor,
  callerId,
}: {
  actor: Awaited<ReturnType<typeof requirePageActor>>;
  callerId: string;
}) {
  const view = await getCallerView({ actor, callerId });
  const services = [...new Set(view.grants.map((g) => g.service))];
  return (
    <div className="stack">
      <form role="search" className="card card-body row" action="/allowlists/callers">
        <label htmlFor="caller-id" className="label nowrap">
          What may
        </label>
        <input id="caller-id" name="id" className="input mono" defaultValue={callerId} />
        <span className="label nowrap">call?</span>
        <button type="submit" className="btn">
          Show
        </button>
        <Link href="/allowlists/callers" className="btn btn-ghost">
          Search instead
        </Link>
      </form>
      {view.error ? (
        <div role="alert" className="alert alert-danger">
          <div>
            <strong>Not a valid SPIFFE ID:</strong> <code>{callerId}</code> {view.error}.
          </div>
        </div>
      ) : view.grants.length === 0 ? (
        <div className="card empty">
          <h2>{callerId} may call nothing</h2>
          <p>
            No grant names this caller or a <code>/*</code> pattern above it, so the policy denies every request it
            makes.
          </p>
        </div>
      ) : (
        <div className="card">
          <div className="card-header">
            <h2 style={{ fontSize: 14 }}>
              <code>{view.caller}</code> may call {view.grants.length} endpoint{view.grants.length === 1 ? "" : "s"} on{" "}
              {services.length} service{services.length === 1 ? "" : "s"}
            </h2>
          </div>
          <DataTable columns={["Service", "Endpoint", "Granted to", "Owner · reason", "Expiry"]}>
            {view.grants.map((g) => (
              <tr key={g.entryId} className={g.status === "expired" ? "row-expired" : undefined}>
                <ServiceEndpointCells service={g.service} method={g.method} path={g.path} />
                <td className="mono small caller-cell">
                  {g.via === view.caller ? "this caller" : <SpiffeIdText id={g.via} />}
                  <CrossTrustDomainBadge cross={g.crossTrustDomain} />
                </td>
                <td>
                  <OwnerReason owner={g.owner} reason={g.reason} />
                </td>
                <td>
                  <EntryStatusBadge status={g.status} expiresAt={g.expiresAt} />
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
    </div>
  );
}
