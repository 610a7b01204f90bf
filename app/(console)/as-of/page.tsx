import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { getStateAt, type BundleAt, type ChangeRequestRef, type StateAt } from "@/lib/evidence/state-at";
import { diffStates, type StateDiff } from "@/lib/evidence/diff-states";
import { ZStateAtQuery } from "@/lib/evidence/schemas";
import { formatDateTime, shortHash } from "@/components/format";
import { AuditIcon } from "@/components/icons";
import { DataTable, EmptyState, FilterInput, PageHeader } from "@/components/ui";
import { EvidencePackForm } from "./evidence-pack-form";

export const metadata: Metadata = { title: "State as of" };

export default async function AsOfPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requirePageActor("evidence:read");
  const params = await searchParams;
  const at = ZStateAtQuery.safeParse({ at: params.at || new Date().toISOString() });
  const compare = params.compare ? ZStateAtQuery.safeParse({ at: params.compare }) : null;
  const state = at.success ? await getStateAt({ actor, at: at.data.at }) : null;
  const diff =
    state && compare?.success && compare.data.at.getTime() !== at.data!.at.getTime()
      ? await diffStates({ actor, from: compare.data.at, to: at.data!.at })
      : null;
  return (
    <div className="page page-wide">
      <PageHeader title="State as of">
        What was in force at a moment: each bundle&apos;s revision, what agents reported running, the policies and
        grants, and who proposed, approved, tested and published them.
      </PageHeader>
      <div className="card" style={{ marginBottom: 16 }}>
        <form className="card-header row-wrap" action="/as-of" role="search">
          <div className="row row-wrap">
            <FilterInput
              id="as-of-at"
              label="Moment (UTC, ISO 8601)"
              name="at"
              style={{ width: 250 }}
              defaultValue={state?.at ?? params.at ?? ""}
              placeholder="2026-03-14T10:02:00Z"
            />
            <FilterInput
              id="as-of-compare"
              label="Compare with an earlier moment (optional)"
              name="compare"
              style={{ width: 250 }}
              defaultValue={params.compare ?? ""}
              placeholder="Compare with…"
            />
            <button type="submit" className="btn">
              Show
            </button>
          </div>
        </form>
        {!at.success || compare?.success === false ? (
          <div className="alert alert-danger" role="alert">
            Give moments as ISO 8601 date-times, for example 2026-03-14T10:02:00Z.
          </div>
        ) : null}
      </div>
      {state ? (
        <div className="stack">
          <HistoryNotice state={state} />
          {diff ? <DiffCard diff={diff} /> : null}
          <BundlesCard state={state} />
          <GrantsCard state={state} />
          {can(actor, "evidence:export") ? <EvidencePackForm bundles={state.bundles.map((b) => b.name)} /> : null}
        </div>
      ) : null}
    </div>
  );
}

function HistoryNotice({ state }: { state: StateAt }) {
  const since = state.history.recordedSince;
  if (since && since <= state.at) return null;
  return (
    <div className="alert alert-warn" role="status">
      {since
        ? `Agent reports and grant owners are recorded since ${formatDateTime(since)}. For this earlier moment the revisions, their approvals and the grants they shipped are exact; which agents ran them and who owned each grant are not known.`
        : "Agent reports and grant owners are not recorded on this installation yet."}
    </div>
  );
}

function CrLink({ cr }: { cr: ChangeRequestRef | null }) {
  if (!cr) return <span className="muted">none</span>;
  const approvals = cr.approvals.filter((a) => a.matchesContent);
  return (
    <>
      <Link href={`/reviews/${cr.number}`}>
        #{cr.number} {cr.title}
      </Link>
      <div className="muted small">
        by {cr.author} · approved by {approvals.length ? approvals.map((a) => a.reviewer).join(", ") : "nobody"} ·
        content <span className="mono">{shortHash(cr.contentHash)}</span>
      </div>
    </>
  );
}

function BundlesCard({ state }: { state: StateAt }) {
  return (
    <div className="card">
      <div className="card-header">
        <h2>Bundles at {formatDateTime(state.at)}</h2>
      </div>
      {state.bundles.length === 0 ? (
        <EmptyState icon={<AuditIcon />} title="No bundle existed at this moment" />
      ) : (
        <DataTable columns={["Bundle", "Revision", "Change request", "Policies and tests", "Agents reporting"]}>
          {state.bundles.map((b) => (
            <BundleRow key={b.name} b={b} />
          ))}
        </DataTable>
      )}
    </div>
  );
}

function BundleRow({ b }: { b: BundleAt }) {
  const r = b.revision;
  return (
    <tr>
      <td>
        <Link href={`/bundles/${encodeURIComponent(b.name)}`}>{b.name}</Link>
      </td>
      <td>
        {r ? (
          <>
            <Link href={`/bundles/${encodeURIComponent(b.name)}/revisions/${r.number}`} className="mono">
              {r.revision}
            </Link>
            <div className="muted small">
              published {formatDateTime(r.publishedAt)} by {r.publishedBy} · signed {r.signedWith}
              {r.rollbackOf ? ` · rollback to ${r.rollbackOf}` : ""}
              {r.testOverride ? ` · tests overridden: ${r.testOverride}` : ""}
            </div>
          </>
        ) : (
          <span className="muted">nothing published yet</span>
        )}
      </td>
      <td>{r ? <CrLink cr={r.changeRequest} /> : null}</td>
      <td>
        {(r?.policies ?? []).map((p) => (
          <div key={p.policyId}>
            <Link href={`/policies/${p.policyId}/history?b=${p.version}`} className="mono">
              {p.packagePath} v{p.version}
            </Link>{" "}
            <span className="muted small">
              {p.testRuns.length
                ? p.testRuns.map((t) => `${t.status} ${t.passed}/${t.total} (${formatDateTime(t.at)})`).join(", ")
                : "no test run of this content"}
            </span>
          </div>
        ))}
      </td>
      <td>
        {b.agents.length === 0 ? (
          <span className="muted">none recorded</span>
        ) : (
          b.agents.map((a) => (
            <div key={a.identity}>
              {a.identity} <span className="mono">{a.revision ?? "no revision"}</span>
              <div className="muted small">
                reported {formatDateTime(a.firstReportedAt)} – {formatDateTime(a.lastReportedAt)}
                {a.nextReportAt ? ` · next different report ${formatDateTime(a.nextReportAt)}` : ""}
              </div>
            </div>
          ))
        )}
      </td>
    </tr>
  );
}

function GrantsCard({ state }: { state: StateAt }) {
  const g = state.grants;
  return (
    <div className="card">
      <div className="card-header">
        <h2>Grants in force</h2>
        {g ? (
          <span className="muted small">
            as shipped in {g.bundle} {g.revision}
          </span>
        ) : null}
      </div>
      {!g ? (
        <EmptyState title="No allowlist was published at this moment" />
      ) : g.items.length === 0 ? (
        <EmptyState title="The allowlist revision in force granted nothing" />
      ) : (
        <DataTable columns={["Caller", "Service and endpoint", "Expires", "Owner", "Change request"]}>
          {g.items.map((x) => (
            <tr key={x.id}>
              <td className="mono small">{x.caller}</td>
              <td>
                {x.service} <span className="mono">{x.method}</span> <span className="mono">{x.path}</span>
              </td>
              <td>{x.expiresAt ? formatDateTime(x.expiresAt) : "never"}</td>
              <td>{x.recorded ? x.owner : <span className="muted">not recorded</span>}</td>
              <td>
                <CrLink cr={x.changeRequest} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}

function DiffCard({ diff }: { diff: StateDiff }) {
  const lines = [
    ...diff.revisions.map((c) => `${c.bundle}: revision ${c.from ?? "none"} → ${c.to ?? "none"}`),
    ...diff.policies.map((c) => `${c.packagePath}: v${c.from ?? "–"} → v${c.to ?? "–"}`),
    ...diff.agents.map((c) => `${c.identity} on ${c.bundle}: ${c.from ?? "nothing"} → ${c.to ?? "nothing"}`),
    ...diff.grants.added.map((c) => `granted ${c.label}`),
    ...diff.grants.removed.map((c) => `revoked ${c.label}`),
    ...diff.grants.changed.map((c) => `changed ${c.label} (${c.fields.join(", ")})`),
  ];
  return (
    <div className="card">
      <div className="card-header">
        <h2>
          Changes from {formatDateTime(diff.from.at)} to {formatDateTime(diff.to.at)}
        </h2>
      </div>
      <div className="card-body">
        {lines.length === 0 ? (
          <p className="muted">Nothing changed between these moments.</p>
        ) : (
          <ul>
            {lines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
