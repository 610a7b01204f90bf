import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { getChangeRequestOrThrow } from "@/lib/reviews/change-request-views";
import { ZChangeRequestParams } from "@/lib/change-requests/schemas";
import { formatDateTime } from "@/components/format";
import { AccessDiffList } from "../../_components/access-diff-list";
import { ReviewActions } from "./review-actions";
import { Breadcrumbs } from "@/components/breadcrumbs";

type Props = { params: Promise<{ number: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Change #${(await params).number} · Allowlists` };
}

export default async function AllowlistChangePage({ params }: Props) {
  const actor = await requirePageActor("allowlist:read");
  const parsed = ZChangeRequestParams.safeParse(await params);
  if (!parsed.success) notFound();
  const cr = await getChangeRequestOrThrow({ actor, number: parsed.data.number }).catch(() => null);
  if (!cr) notFound();
  return (
    <div className="page">
      <Breadcrumbs
        trail={[
          { href: "/allowlists", label: "Allowlists" },
          { href: "/allowlists/changes", label: "Proposed changes" },
        ]}
      >
        #{cr.number}
      </Breadcrumbs>
      <div className="page-header">
        <div>
          <h1>
            #{cr.number} {cr.title}
          </h1>
          <p className="subtitle">
            <span className="badge">{cr.status.replace("_", " ")}</span> proposed by {cr.author.email} ·{" "}
            {formatDateTime(cr.createdAt)}
            {cr.approval ? <> · approved by {cr.approval.reviewer.email}</> : null}
            {cr.revisions.length ? (
              <> · published as {cr.revisions.map((r) => `${r.bundle}@${r.revision}`).join(", ")}</>
            ) : null}
          </p>
          {cr.description ? (
            <p className="small" style={{ marginTop: 6 }}>
              {cr.description}
            </p>
          ) : null}
        </div>
      </div>
      <div className="stack">
        {cr.items.map((item) =>
          item.kind === "allowlist_change" ? (
            <section key={item.changeSetId} className="card" aria-label="Access diff">
              <div className="card-header">
                <h2 style={{ fontSize: 14 }}>Access diff{cr.status === "published" ? " (applied)" : ""}</h2>
                <div className="row small">
                  <span className="badge badge-ok">+{item.diff.added}</span>
                  <span className="badge badge-danger">−{item.diff.removed}</span>
                  <span className="badge badge-warn">~{item.diff.changed}</span>
                  <span className="muted">ships in {item.bundle ? <code>{item.bundle}</code> : "no bundle yet"}</span>
                </div>
              </div>
              {item.problems.length > 0 ? (
                <div role="alert" className="alert alert-danger" style={{ margin: 12 }}>
                  <div>
                    This change no longer applies cleanly to today&apos;s allowlists; it cannot be published:
                    <ul>
                      {item.problems.map((p, i) => (
                        <li key={i}>
                          {p.field ? `${p.field}: ` : ""}
                          {p.message}
                        </li>
                      ))}
                    </ul>
                  </div>
                </div>
              ) : null}
              <AccessDiffList lines={item.diff.lines} />
            </section>
          ) : (
            <section key={item.version.id} className="card card-body">
              Policy <code>{item.policy.packagePath}</code> version {item.version.number}
            </section>
          ),
        )}
        <ReviewActions
          number={cr.number}
          can={cr.can}
          reviews={cr.reviews.map((r) => ({
            id: r.id,
            reviewer: r.reviewer.email,
            verdict: r.verdict,
            body: r.body,
            voided: r.voided,
          }))}
        />
      </div>
    </div>
  );
}
