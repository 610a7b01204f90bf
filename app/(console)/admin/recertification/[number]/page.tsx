import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { getCampaign } from "@/lib/recertification/campaign-views";
import { ZCampaignParams } from "@/lib/recertification/schemas";
import { formatDateTime } from "@/components/format";
import { Stat } from "@/components/ui";
import { CampaignActions } from "./campaign-actions";
import { CampaignItems } from "./campaign-items";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { ProgressBar } from "@/components/progress-bar";

type Props = { params: Promise<{ number: string }>; searchParams: Promise<{ mine?: string; state?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Recertification #${(await params).number}` };
}

export default async function CampaignPage({ params, searchParams }: Props) {
  const actor = await requirePageActor("allowlist:read");
  const parsed = ZCampaignParams.safeParse(await params);
  if (!parsed.success) notFound();
  const query = await searchParams;
  const mine = query.mine === "true";
  const state = query.state === "pending" || query.state === "decided" ? query.state : "all";
  const view = await getCampaign({ actor, number: parsed.data.number, mine, state }).catch(() => null);
  if (!view) notFound();
  const { campaign, items } = view;
  const p = campaign.progress;
  const pct = p.total ? Math.round((100 * p.decided) / p.total) : 0;
  const filter = (m: boolean, s: string) => `?mine=${m}&state=${s}`;
  return (
    <div className="page">
      <Breadcrumbs trail={[{ href: "/admin/recertification", label: "Recertification" }]}>
        #{campaign.number}
      </Breadcrumbs>
      <div className="page-header">
        <div>
          <h1>{campaign.title}</h1>
          <p className="subtitle">
            {campaign.scope.kind === "all"
              ? "All grants"
              : campaign.scope.kind === "service"
                ? `Grants of service ${campaign.scope.service}`
                : `Grants owned by ${campaign.scope.owner}`}{" "}
            · unused means no allowed request in {campaign.unusedDays} days (since{" "}
            {formatDateTime(campaign.evidenceFrom)}) · due {formatDateTime(campaign.dueAt)} ·{" "}
            <span
              className={`badge ${campaign.overdue ? "badge-danger" : campaign.status === "open" ? "badge-accent" : "badge-ok"}`}
            >
              {campaign.overdue ? "overdue" : campaign.status}
            </span>
          </p>
        </div>
        <div className="row">
          <Link className="btn" href={`/admin/recertification/${campaign.number}/report`}>
            Report
          </Link>
          <a className="btn" href={`/api/v1/recertification/campaigns/${campaign.number}/report?format=csv`}>
            CSV
          </a>
          {can(actor, "recertification:manage") && campaign.status === "open" ? (
            <CampaignActions number={campaign.number} />
          ) : null}
        </div>
      </div>
      <div className="stack">
        <div className="card card-body">
          <ProgressBar
            label={`${pct}% decided`}
            percent={pct}
            segments={[
              { tone: "on-latest", percent: (100 * p.kept) / Math.max(p.total, 1) },
              { tone: "behind", percent: (100 * p.narrowed) / Math.max(p.total, 1) },
              { tone: "stale", percent: (100 * p.revoked) / Math.max(p.total, 1) },
            ]}
          />
          <p className="small muted" style={{ marginTop: 6 }}>
            {p.decided} of {p.total} decided ({pct}%): {p.kept} kept, {p.narrowed} narrowed, {p.revoked} revoked
            {p.overdue > 0 ? ` · ${p.overdue} overdue` : ""}
          </p>
        </div>
        <div className="recert-stats">
          <Stat label="Used" value={p.used} />
          <Stat label="Unused" value={p.unused}>
            proposed for removal
          </Stat>
          <Stat label="Over-wide" value={p.overWide}>
            narrower grants cover all use
          </Stat>
          <Stat label="Pending" value={p.pending} />
        </div>
        <nav className="row small" aria-label="Filter items">
          <Link href={filter(false, "all")} aria-current={!mine && state === "all" ? "page" : undefined}>
            All items
          </Link>
          <Link href={filter(true, state)} aria-current={mine ? "page" : undefined}>
            Mine
          </Link>
          <Link href={filter(mine, "pending")} aria-current={state === "pending" ? "page" : undefined}>
            Pending
          </Link>
          <Link href={filter(mine, "decided")} aria-current={state === "decided" ? "page" : undefined}>
            Decided
          </Link>
        </nav>
        <CampaignItems number={campaign.number} items={items} />
      </div>
    </div>
  );
}
