import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { AppError } from "@/lib/core/errors";
import { getDecisionOrThrow, type DecisionDetail } from "@/lib/decisions/get-decision";
import { queryForPath, replayTargets } from "@/lib/decisions/replay-decision";
import { formatDateTime, timeAgo } from "@/components/format";
import { AlertIcon, CheckIcon } from "@/components/icons";
import { OutcomeBadge, utcStamp } from "../_components/decision-rows";
import { ReplayPanel } from "./replay-panel";
import { Breadcrumbs } from "@/components/breadcrumbs";

export async function generateMetadata({ params }: { params: Promise<{ decisionId: string }> }): Promise<Metadata> {
  const id = safeDecode((await params).decisionId);
  return { title: `Decision ${id.length > 12 ? `${id.slice(0, 8)}…` : id}` };
}

export default async function DecisionPage({
  params,
  searchParams,
}: {
  params: Promise<{ decisionId: string }>;
  searchParams: Promise<{ at?: string }>;
}) {
  const actor = await requirePageActor("decision:read");
  const { decisionId } = await params;
  const { at } = await searchParams;
  const d = await getDecisionOrThrow({ actor, decisionId: safeDecode(decisionId), at }).catch((error: unknown) => {
    if (error instanceof AppError && (error.code === "not_found" || error.status === 422)) notFound();
    throw error;
  });
  return (
    <div className="page page-wide">
      <Breadcrumbs trail={[{ href: "/decisions", label: "Decisions" }]}>
        <span className="mono">{d.decisionId}</span>
      </Breadcrumbs>
      <div className="page-header">
        <div>
          <h1 className="row">
            <OutcomeBadge outcome={d.outcome} /> <span className="mono decision-title">{d.path ?? "ad-hoc query"}</span>
          </h1>
          <p className="subtitle">
            {utcStamp(d.timestamp)} UTC ({timeAgo(d.timestamp)}) · by agent <strong>{d.agent}</strong>
            {d.caller ? (
              <>
                {" "}
                · caller <span className="mono">{d.caller}</span>
              </>
            ) : null}
          </p>
        </div>
        <div className="row">
          {can(actor, "evidence:read") ? (
            <Link className="btn" href={`/as-of?at=${encodeURIComponent(d.timestamp)}`}>
              State at this moment
            </Link>
          ) : null}
          <Link className="btn" href={`/decisions?agent=${encodeURIComponent(d.agent)}&range=24h`}>
            Other decisions of this agent
          </Link>
        </div>
      </div>
      {d.sameIdCount > 0 ? (
        <div className="alert alert-warn" role="status" style={{ marginBottom: 16 }}>
          {d.sameIdCount} other stored decision{d.sameIdCount === 1 ? "" : "s"} share this decision id; showing the
          newest.
        </div>
      ) : null}
      <div className="decision-detail">
        <div className="stack">
          <DecisionFacts d={d} />
          <ProvenanceCard d={d} />
        </div>
        <div className="stack">
          <JsonCard title="Input" value={d.input} empty="No input" />
          <JsonCard
            title="Result"
            value={d.hasResult ? d.result : undefined}
            empty="Undefined (the policy produced no result)"
          />
          {d.extra?.error ? <JsonCard title="Error" value={d.extra.error} empty="" /> : null}
        </div>
      </div>
      <div style={{ marginTop: 16 }}>
        <ReplayPanel decisionId={d.decisionId} at={d.timestamp} targets={await replayTargets(d)} />
      </div>
    </div>
  );
}

function DecisionFacts({ d }: { d: DecisionDetail }) {
  const metrics = Object.entries(d.metrics ?? {}).filter(([, v]) => typeof v === "number") as Array<[string, number]>;
  return (
    <div className="card">
      <div className="card-header">
        <h2>Decision</h2>
      </div>
      <dl className="meta-list card-body">
        <dt>Decision id</dt>
        <dd className="mono">{d.decisionId}</dd>
        <dt>Decided at</dt>
        <dd>{utcStamp(d.timestamp)} UTC</dd>
        <dt>Received</dt>
        <dd title={formatDateTime(d.receivedAt)}>{timeAgo(d.receivedAt)}</dd>
        <dt>Query</dt>
        <dd className="mono">{d.path ? queryForPath(d.path) : "—"}</dd>
        <dt>Agent</dt>
        <dd>
          {d.agent}
          {d.credentialId ? (
            <span className="muted small">
              {" "}
              · credential <span className="mono">{d.credentialId.slice(0, 8)}</span>
            </span>
          ) : null}
        </dd>
        <dt>Labels</dt>
        <dd className="mono small">
          {Object.entries(d.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(" · ") || "—"}
        </dd>
        {typeof d.extra?.requested_by === "string" ? (
          <>
            <dt>Requested by</dt>
            <dd className="mono small">{d.extra.requested_by}</dd>
          </>
        ) : null}
        {metrics.length ? (
          <>
            <dt>Timings</dt>
            <dd className="small">
              {metrics.map(([k, v]) => `${k.replace(/^timer_|_ns$/g, "")} ${(v / 1e6).toFixed(2)} ms`).join(" · ")}
            </dd>
          </>
        ) : null}
        {Array.isArray(d.extra?.erased) ? (
          <>
            <dt>Erased</dt>
            <dd className="mono small">{(d.extra.erased as string[]).join(", ")}</dd>
          </>
        ) : null}
        {Array.isArray(d.extra?.masked) ? (
          <>
            <dt>Masked</dt>
            <dd className="mono small">{(d.extra.masked as string[]).join(", ")}</dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}

function ProvenanceCard({ d }: { d: DecisionDetail }) {
  const p = d.provenance;
  return (
    <div className="card">
      <div className="card-header">
        <h2>Decided by</h2>
        {p.verified ? (
          <span className="badge badge-ok">
            <CheckIcon /> published by Verdict
          </span>
        ) : (
          <span className="badge badge-warn">
            <AlertIcon /> unpublished revision
          </span>
        )}
      </div>
      <div className="card-body stack">
        {p.bundles.length === 0 ? (
          <div className="alert alert-warn">
            The agent reported no bundle for this decision: its policy did not come from a bundle Verdict published.
          </div>
        ) : (
          p.bundles.map((b) => (
            <div key={b.bundle} className="provenance">
              <div>
                <span className="muted small">Bundle</span> <strong>{b.bundle}</strong>{" "}
                <span className="muted small">revision</span> <span className="mono">{b.revision}</span>
              </div>
              {b.published ? (
                <dl className="meta-list">
                  <dt>Revision</dt>
                  <dd>
                    <Link href={`/bundles/${encodeURIComponent(b.bundle)}/revisions/${b.published.number}`}>
                      {b.bundle} #{b.published.number} ({b.revision})
                    </Link>{" "}
                    <span className="muted small">signed with {b.published.signedWith}</span>
                  </dd>
                  <dt>Published</dt>
                  <dd>
                    {formatDateTime(b.published.publishedAt)} by {b.published.publishedBy}
                  </dd>
                  {b.published.changeRequest ? (
                    <>
                      <dt>Change request</dt>
                      <dd>
                        <Link href={`/reviews/${b.published.changeRequest.number}`}>
                          #{b.published.changeRequest.number} {b.published.changeRequest.title}
                        </Link>
                        {gitCommitOf(b.published.changeRequest.origin) ? (
                          <div className="muted small">
                            from git commit{" "}
                            <span className="mono">{gitCommitOf(b.published.changeRequest.origin)!.slice(0, 12)}</span>
                          </div>
                        ) : null}
                      </dd>
                    </>
                  ) : b.published.rollbackOf ? (
                    <>
                      <dt>Rollback</dt>
                      <dd>
                        to {b.published.rollbackOf}
                        {b.published.reason ? ` — ${b.published.reason}` : ""}
                      </dd>
                    </>
                  ) : null}
                  <dt>Approved by</dt>
                  <dd>{b.published.approvedBy ?? <span className="muted">no approval recorded</span>}</dd>
                  <dt>Policy versions</dt>
                  <dd>
                    {b.published.policyVersions.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      b.published.policyVersions.map((v) => (
                        <div key={v.policyId}>
                          <Link href={`/policies/${v.policyId}/history?b=${v.number}`} className="mono">
                            {v.packagePath} v{v.number}
                          </Link>{" "}
                          <span className="muted small mono" title={v.sha256}>
                            {v.sha256.slice(0, 10)}
                          </span>
                        </div>
                      ))
                    )}
                  </dd>
                </dl>
              ) : (
                <div className="alert alert-warn small">
                  Verdict never published this revision: the bundle was built or changed outside Verdict, or the agent
                  is not configured with Verdict&apos;s bundle.
                </div>
              )}
            </div>
          ))
        )}
      </div>
    </div>
  );
}

function JsonCard({ title, value, empty }: { title: string; value: unknown; empty: string }) {
  return (
    <div className="card">
      <div className="card-header">
        <h2>{title}</h2>
      </div>
      <div className="card-body">
        {value === undefined || value === null ? (
          <p className="muted small">{empty}</p>
        ) : (
          <pre className="json-view json-tall">{JSON.stringify(value, null, 2)}</pre>
        )}
      </div>
    </div>
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The commit a change request was taken in from, when it came from a git link. */
function gitCommitOf(origin: unknown): string | null {
  const commit = (origin as { type?: unknown; commit?: unknown } | undefined)?.commit;
  return typeof commit === "string" ? commit : null;
}
