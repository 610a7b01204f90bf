import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { listRevisions } from "@/lib/bundles/revisions";
import { rolloutProgress } from "@/lib/agents/fleet";
import { ZBundleParams, ZListRevisionsQuery } from "@/lib/bundles/schemas";
import { formatDateTime, timeAgo } from "@/components/format";
import { orNotFound } from "../../_components/or-not-found";
import { RevisionActions } from "./revision-actions";
import { AgentConfigCard } from "./agent-config-card";
import { BundleMembership } from "./bundle-membership";
import { listPolicies } from "@/lib/policies/list-policies";
import { isUnderRoots, packageDataPath } from "@/lib/bundles/roots";
import { getBundleOrThrow } from "@/lib/bundles/list-bundles";
import { DataTable, num } from "@/components/ui";
import { listTargets } from "@/lib/distribution/list-targets";
import { DistributionTargets } from "./distribution-targets";
import { listRollouts } from "@/lib/rollouts/rollout-view";
import { CanaryRollouts } from "../../_components/canary-rollouts";
import { StageRolloutForm } from "./stage-rollout-form";
import { Breadcrumbs } from "@/components/breadcrumbs";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  const parsed = ZBundleParams.safeParse(await params);
  return { title: parsed.success ? `${parsed.data.name} · Bundles` : "Bundle" };
}

export default async function BundlePage({
  params,
  searchParams,
}: {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requirePageActor("bundle:read");
  const parsed = ZBundleParams.safeParse(await params);
  if (!parsed.success) notFound();
  const bundle = await orNotFound(getBundleOrThrow({ actor, name: parsed.data.name }));
  const query = ZListRevisionsQuery.safeParse(await searchParams);
  const revisions = await listRevisions({
    actor,
    name: bundle.name,
    query: query.success ? query.data : { limit: 25 },
  });
  const rollout = can(actor, "agent:read")
    ? (await rolloutProgress({ actor })).find((r) => r.bundle === bundle.name)
    : undefined;
  const canary = (await listRollouts({ actor, name: bundle.name })).rollouts.find((r) => r.state === "running");
  const canPublish = can(actor, "bundle:publish");
  const targets = await listTargets({ actor, name: bundle.name });
  const candidates = can(actor, "bundle:manage")
    ? (await listPolicies({ actor, query: { limit: 100 } })).items.filter((p) =>
        isUnderRoots(packageDataPath(p.packagePath), bundle.roots),
      )
    : [];
  return (
    <div className="page">
      <Breadcrumbs trail={[{ href: "/bundles", label: "Bundles" }]}>
        <span className="mono">{bundle.name}</span>
      </Breadcrumbs>
      <div className="page-header">
        <div>
          <h1>
            <span className="mono-font">{bundle.name}</span>
          </h1>
          <p className="subtitle">
            Roots{" "}
            {bundle.roots.map((r) => (
              <code key={r} className="badge mono" style={{ marginRight: 4 }}>
                {r}
              </code>
            ))}
            {bundle.description ? ` · ${bundle.description}` : ""}
          </p>
        </div>
        {rollout ? (
          <Link href={`/fleet?bundle=${bundle.name}`} className="btn">
            {rollout.summary}
          </Link>
        ) : null}
      </div>
      <CanaryRollouts
        rollouts={canary ? [canary] : []}
        title="Canary rollout in progress"
        style={{ marginBottom: 16 }}
      />
      {canPublish && !canary && revisions.items.length > 1 && !query.data?.before ? (
        <StageRolloutForm
          bundle={bundle.name}
          revision={{ number: revisions.items[0]!.number, revision: revisions.items[0]!.revision }}
          baseline={revisions.items[1]!.revision}
        />
      ) : null}
      <div className="grid-2" style={{ alignItems: "start" }}>
        <BundleMembership
          bundle={bundle.name}
          members={bundle.policies}
          candidates={candidates}
          canManage={can(actor, "bundle:manage")}
        />
        <AgentConfigCard
          bundle={bundle.name}
          targets={targets.map((t) => t.name)}
          canCreateCredential={can(actor, "agent:manage")}
        />
      </div>
      <DistributionTargets
        bundle={bundle.name}
        targets={targets}
        canManage={can(actor, "bundle:manage")}
        canCheck={canPublish}
      />
      <section className="card" style={{ marginTop: 16 }} aria-labelledby="revisions-title">
        <div className="card-header">
          <h2 id="revisions-title" style={{ fontSize: 14 }}>
            Revisions
          </h2>
          <span className="muted small">Newest first. A rollback republishes an earlier revision as a new one.</span>
        </div>
        {revisions.items.length === 0 ? (
          <div className="empty">
            <h2>Not published yet</h2>
            <p>Approve and publish a change request for one of this bundle&apos;s policies.</p>
            <Link className="btn" href="/reviews">
              Change requests
            </Link>
          </div>
        ) : (
          <DataTable
            columns={["Revision", "Published", "Why", "Signed with", num("Agents")]}
            actions="Actions"
            label="Revisions"
          >
            {revisions.items.map((r, i) => (
              <tr key={r.number}>
                <td>
                  <Link href={`/bundles/${bundle.name}/revisions/${r.number}`} className="table-link mono">
                    {r.revision}
                  </Link>
                  {i === 0 && !query.data?.before ? (
                    <span className="badge badge-ok" style={{ marginLeft: 6 }}>
                      current
                    </span>
                  ) : null}
                </td>
                <td>
                  <span title={formatDateTime(r.publishedAt)}>{timeAgo(r.publishedAt)}</span>
                  <div className="muted small">
                    by {r.publishedBy.name}
                    {r.approvedBy ? `, approved by ${r.approvedBy.name}` : ""}
                  </div>
                </td>
                <td className="small">
                  {r.changeRequest ? (
                    <Link href={`/reviews/${r.changeRequest.number}`}>
                      #{r.changeRequest.number} {r.changeRequest.title}
                    </Link>
                  ) : r.rollbackOf ? (
                    <>
                      rollback to <span className="mono">{r.rollbackOf}</span>: {r.reason}
                    </>
                  ) : null}
                  {r.testOverride ? (
                    <div>
                      <span className="badge badge-warn">tests overridden</span>
                    </div>
                  ) : null}
                </td>
                <td className="small mono">
                  {r.signature.kid}
                  <div className="muted">{r.signature.algorithm}</div>
                </td>
                <td className="num">{r.agentsRunning}</td>
                <td className="num">
                  {canPublish && i > 0 ? (
                    <RevisionActions bundle={bundle.name} number={r.number} revision={r.revision} />
                  ) : null}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        {revisions.nextBefore ? (
          <div className="pagination">
            <span />
            <Link className="btn btn-sm" href={`/bundles/${bundle.name}?before=${revisions.nextBefore}`}>
              Older →
            </Link>
          </div>
        ) : null}
      </section>
    </div>
  );
}
