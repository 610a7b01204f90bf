import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { getRevisionOrThrow } from "@/lib/bundles/revisions";
import { ZRevisionParams } from "@/lib/bundles/schemas";
import { formatDateTime, timeAgo } from "@/components/format";
import { formatBytes } from "@/lib/core/read-body";
import { orNotFound } from "../../../../_components/or-not-found";
import { RevisionActions } from "../../revision-actions";
import { RevisionFiles } from "./revision-files";
import { DataTable } from "@/components/ui";
import { revisionCopies } from "@/lib/distribution/revision-copies";
import { DistributionStateBadge } from "../../distribution-state";
import { revisionRollouts } from "@/lib/rollouts/revision-rollouts";
import { RevisionRollouts } from "./revision-rollouts";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { bundleTrail } from "../../bundle-trail";

export async function generateMetadata({
  params,
}: {
  params: Promise<{ name: string; number: string }>;
}): Promise<Metadata> {
  const parsed = ZRevisionParams.safeParse(await params);
  return { title: parsed.success ? `Revision #${parsed.data.number} · ${parsed.data.name}` : "Bundle revision" };
}

export default async function RevisionPage({ params }: { params: Promise<{ name: string; number: string }> }) {
  const actor = await requirePageActor("bundle:read");
  const parsed = ZRevisionParams.safeParse(await params);
  if (!parsed.success) notFound();
  const r = await orNotFound(getRevisionOrThrow({ actor, name: parsed.data.name, number: parsed.data.number }));
  const copies = await revisionCopies({ actor, name: parsed.data.name, number: parsed.data.number });
  const rollouts = await revisionRollouts({ actor, bundle: parsed.data.name, number: parsed.data.number });
  return (
    <div className="page">
      <Breadcrumbs trail={bundleTrail(r.bundle)}>
        <span className="mono">{r.revision}</span>
      </Breadcrumbs>
      <div className="page-header">
        <div>
          <h1>
            <span className="mono-font">{r.bundle}</span> {r.revision}
          </h1>
          <p className="subtitle">
            Published <span title={formatDateTime(r.publishedAt)}>{timeAgo(r.publishedAt)}</span> by{" "}
            {r.publishedBy.name}
            {r.approvedBy ? `, approved by ${r.approvedBy.name}` : ""} · {formatBytes(r.size)}
          </p>
        </div>
        <div className="row">
          <a className="btn" href={`/api/v1/bundles/${r.bundle}/revisions/${r.number}/download`} download>
            Download .tar.gz
          </a>
          {r.current ? <span className="badge badge-ok">current</span> : null}
          {can(actor, "bundle:publish") && !r.current ? (
            <RevisionActions bundle={r.bundle} number={r.number} revision={r.revision} />
          ) : null}
        </div>
      </div>
      <div className="grid-2" style={{ alignItems: "start" }}>
        <section className="card" aria-labelledby="provenance-title">
          <div className="card-header">
            <h2 id="provenance-title" style={{ fontSize: 14 }}>
              Provenance
            </h2>
          </div>
          <dl className="card-body meta-list">
            <dt>Change request</dt>
            <dd>
              {r.changeRequest ? (
                <Link href={`/reviews/${r.changeRequest.number}`}>
                  #{r.changeRequest.number} {r.changeRequest.title}
                </Link>
              ) : r.rollbackOf ? (
                `rollback to ${r.rollbackOf}: ${r.reason}`
              ) : (
                "—"
              )}
            </dd>
            {r.testOverride ? (
              <>
                <dt>Tests</dt>
                <dd>
                  <span className="badge badge-warn">overridden</span> {r.testOverride}
                </dd>
              </>
            ) : null}
            <dt>Policies</dt>
            <dd>
              {r.policies.map((p) => (
                <div key={p.policyId}>
                  <Link href={`/policies/${p.policyId}/history?b=${p.version}`}>{p.packagePath}</Link> v{p.version}{" "}
                  <code className="small muted">{p.sha256.slice(0, 12)}</code>
                </div>
              ))}
            </dd>
            <dt>ETag</dt>
            <dd className="mono small">{r.etag}</dd>
            <dt>Signature</dt>
            <dd>
              <span className="badge mono">{r.signature.algorithm}</span> key <code>{r.signature.kid}</code>
            </dd>
            <dt>JWS header</dt>
            <dd className="mono small">{JSON.stringify(r.signatureHeader)}</dd>
            {copies.length > 0 ? (
              <>
                <dt>Distribution targets</dt>
                <dd>
                  {copies.map((c) => (
                    <div key={c.target}>
                      <span className="mono">{c.target}</span>{" "}
                      <DistributionStateBadge state={c.state} error={c.error} />
                    </div>
                  ))}
                </dd>
              </>
            ) : null}
          </dl>
        </section>
        <section className="card" aria-labelledby="agents-title">
          <div className="card-header">
            <h2 id="agents-title" style={{ fontSize: 14 }}>
              Agents running {r.revision} ({r.agents.length})
            </h2>
            {can(actor, "agent:read") ? (
              <Link href={`/fleet?bundle=${r.bundle}`} className="btn btn-sm">
                Fleet
              </Link>
            ) : null}
          </div>
          {r.agents.length === 0 ? (
            <div className="card-body muted small">No agent reports this revision.</div>
          ) : (
            <DataTable columns={["Agent", "Last seen"]} label={`Agents running ${r.revision}`}>
              {r.agents.map((a) => (
                <tr key={a.identity}>
                  <td className="mono">{a.identity}</td>
                  <td title={formatDateTime(a.lastSeenAt)}>{timeAgo(a.lastSeenAt)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </section>
      </div>
      <RevisionRollouts bundle={r.bundle} rollouts={rollouts} />
      <RevisionFiles files={r.files} contents={r.contents} manifest={r.manifest} />
    </div>
  );
}
