import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { getChangeRequestOrThrow } from "@/lib/reviews/change-request-views";
import { ZChangeRequestParams } from "@/lib/change-requests/schemas";
import { formatDateTime, timeAgo } from "@/components/format";
import { orNotFound } from "../../_components/or-not-found";
import { ChangeRequestStatusBadge } from "../_components/status-badge";
import { ItemDiffs } from "./item-diffs";
import { ReviewPanel } from "./review-panel";
import { PublishPanel } from "./publish-panel";
import { DependantsPanel } from "./dependants-panel";
import { AuthorActions } from "./author-actions";
import { ImpactPanel } from "./impact-panel";
import { RedTeamPanel } from "./red-team-panel";
import { can } from "@/lib/auth/actor";
import { Breadcrumbs } from "@/components/breadcrumbs";

export async function generateMetadata({ params }: { params: Promise<{ number: string }> }): Promise<Metadata> {
  const parsed = ZChangeRequestParams.safeParse(await params);
  return { title: parsed.success ? `Change request #${parsed.data.number}` : "Change request" };
}

export default async function ChangeRequestPage({ params }: { params: Promise<{ number: string }> }) {
  const actor = await requirePageActor("policy:read");
  const parsed = ZChangeRequestParams.safeParse(await params);
  if (!parsed.success) notFound();
  const cr = await orNotFound(getChangeRequestOrThrow({ actor, number: parsed.data.number }));
  return (
    <div className="page page-wide">
      <Breadcrumbs trail={[{ href: "/reviews", label: "Change requests" }]}>#{cr.number}</Breadcrumbs>
      <div className="page-header">
        <div>
          <div className="row" style={{ gap: 10 }}>
            <h1>{cr.title}</h1>
            <ChangeRequestStatusBadge status={cr.status} />
          </div>
          <p className="subtitle">
            #{cr.number} · submitted by {cr.author.name}{" "}
            <span title={formatDateTime(cr.createdAt)}>{timeAgo(cr.createdAt)}</span> · content{" "}
            <code title={cr.contentHash}>{cr.contentHash.slice(0, 12)}</code>
          </p>
        </div>
        {cr.can.edit || cr.can.close ? (
          <AuthorActions
            number={cr.number}
            items={cr.items}
            canEdit={cr.can.edit}
            canClose={cr.can.close}
            hasApproval={cr.approval !== null}
          />
        ) : null}
      </div>
      <div className="review-layout">
        <div className="stack">
          <section className="card card-body" aria-label="Description">
            {cr.description ? <p className="prose">{cr.description}</p> : <p className="muted">No description.</p>}
          </section>
          {can(actor, "change:impact") && cr.status !== "closed" ? <ImpactPanel number={cr.number} /> : null}
          {cr.status !== "closed" && cr.items.some((i) => i.kind === "policy_version") ? (
            <RedTeamPanel number={cr.number} canRun={can(actor, "test:run") && cr.status !== "published"} />
          ) : null}
          <ItemDiffs items={cr.items} tests={cr.tests} published={cr.status === "published"} />
          {cr.status === "published" || cr.status === "closed" ? null : (
            <DependantsPanel number={cr.number} dependants={cr.tests.dependants} canRun={can(actor, "test:run")} />
          )}
        </div>
        <aside className="stack" aria-label="Review and publish">
          <PublishPanel
            cr={{
              number: cr.number,
              status: cr.status,
              approval: cr.approval,
              tests: cr.tests,
              revisions: cr.revisions,
              can: cr.can,
            }}
            bundles={[...new Set(cr.items.flatMap((i) => (i.kind === "policy_version" && i.bundle ? [i.bundle] : [])))]}
          />
          <ReviewPanel number={cr.number} reviews={cr.reviews} canReview={cr.can.review} canComment={cr.can.comment} />
        </aside>
      </div>
    </div>
  );
}
