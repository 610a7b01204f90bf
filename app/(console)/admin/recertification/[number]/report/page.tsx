import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { getCampaign } from "@/lib/recertification/campaign-views";
import { ZCampaignParams } from "@/lib/recertification/schemas";
import { formatDateTime } from "@/components/format";
import { PrintButton } from "./print-button";

type Props = { params: Promise<{ number: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Recertification #${(await params).number} report` };
}

/** The campaign's outcome as a plain, print-ready page (the console chrome is hidden when printing). */
export default async function CampaignReportPage({ params }: Props) {
  const actor = await requirePageActor("allowlist:read");
  const parsed = ZCampaignParams.safeParse(await params);
  if (!parsed.success) notFound();
  const view = await getCampaign({ actor, number: parsed.data.number }).catch(() => null);
  if (!view) notFound();
  const { campaign, items } = view;
  const p = campaign.progress;
  return (
    <div className="page recert-report">
      <div className="row no-print">
        <Link href={`/admin/recertification/${campaign.number}`}>← Campaign</Link>
        <PrintButton />
        <a className="btn" href={`/api/v1/recertification/campaigns/${campaign.number}/report?format=csv`}>
          Download CSV
        </a>
      </div>
      <h1>
        Recertification report #{campaign.number}: {campaign.title}
      </h1>
      <p>
        Started {formatDateTime(campaign.startedAt)}, due {formatDateTime(campaign.dueAt)},{" "}
        {campaign.closedAt ? `closed ${formatDateTime(campaign.closedAt)}` : "still open"}. Evidence: allowed decisions
        since {formatDateTime(campaign.evidenceFrom)} ({campaign.unusedDays} days). Report generated{" "}
        {formatDateTime(new Date())}.
      </p>
      <table className="table">
        <tbody>
          <tr>
            <th scope="row">Grants</th>
            <td>{p.total}</td>
            <th scope="row">Decided</th>
            <td>{p.decided}</td>
          </tr>
          <tr>
            <th scope="row">Kept</th>
            <td>{p.kept}</td>
            <th scope="row">Narrowed</th>
            <td>{p.narrowed}</td>
          </tr>
          <tr>
            <th scope="row">Revoked</th>
            <td>{p.revoked}</td>
            <th scope="row">Undecided{campaign.status === "open" ? " (overdue)" : ""}</th>
            <td>
              {p.pending}
              {campaign.status === "open" ? ` (${p.overdue})` : ""}
            </td>
          </tr>
          <tr>
            <th scope="row">Unused</th>
            <td>{p.unused}</td>
            <th scope="row">Over-wide</th>
            <td>{p.overWide}</td>
          </tr>
        </tbody>
      </table>
      <table className="table" aria-label="Items">
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col">Owner</th>
            <th scope="col">Evidence</th>
            <th scope="col">Suggestion</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id} className={i.overdue ? "row-overdue" : undefined}>
              <td>
                <code>{i.caller}</code> → {i.service} {i.method} <code>{i.path}</code>
              </td>
              <td>{i.owner}</td>
              <td>
                {i.classification.replace("_", "-")}: {i.requestCount} requests, {i.endpointCount} endpoints, last used{" "}
                {i.lastUsedAt ? formatDateTime(i.lastUsedAt) : "never"}
                {i.narrowTo ? `; narrower: ${i.narrowTo.map((e) => `${e.method} ${e.path}`).join(", ")}` : ""}
              </td>
              <td>{i.suggestion}</td>
              <td>
                {i.decision ?? "undecided"}
                {i.decidedBy ? ` by ${i.decidedBy}` : ""}
                {i.decidedAt ? ` ${formatDateTime(i.decidedAt)}` : ""}
                {i.changeRequestNumber ? ` (change request #${i.changeRequestNumber})` : ""}
                {i.note ? ` — ${i.note}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
