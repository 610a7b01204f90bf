"use client";

import Link from "next/link";
import { api } from "@/components/api-client";
import { formatDateTime } from "@/components/format";
import { DataTable, EmptyState, num } from "@/components/ui";
import { useApiAction } from "@/components/use-api-action";
import type { CampaignItemView } from "@/lib/recertification/campaign-views";

const CLASS_BADGE = { used: "badge-ok", unused: "badge-danger", over_wide: "badge-warn" } as const;
const CLASS_LABEL = { used: "used", unused: "unused", over_wide: "over-wide" } as const;

type Decision = "keep" | "narrow" | "revoke";

export function CampaignItems({ number, items }: { number: number; items: CampaignItemView[] }) {
  const { busy, run } = useApiAction();
  const decide = (item: CampaignItemView, decision: Decision) =>
    run(
      () =>
        api<{ changeRequest: { number: number } | null }>(
          `/api/v1/recertification/campaigns/${number}/items/${item.id}/decision`,
          { body: { decision } },
        ),
      {
        done: (r) =>
          r.changeRequest
            ? `Proposed as change request #${r.changeRequest.number}; it applies once approved and published`
            : "Kept",
        failed: "Could not record the decision",
      },
    );
  if (items.length === 0) return <EmptyState title="No items match">Try another filter.</EmptyState>;
  return (
    <div className="card table-wrap">
      <DataTable
        label="Campaign items"
        columns={["Grant", "Owner", "Evidence", num("Requests"), "Last used", "Suggestion", "Decision"]}
        actions="Decide"
      >
        {items.map((i) => (
          <tr key={i.id} className={i.overdue ? "row-overdue" : undefined} data-overdue={i.overdue || undefined}>
            <td>
              <code className="small">{i.caller}</code>
              <div>
                → {i.service} <strong>{i.method}</strong> <code>{i.path}</code>
              </div>
            </td>
            <td>
              {i.owner}
              {i.mine ? <span className="badge badge-accent">you</span> : null}
            </td>
            <td>
              <span className={`badge ${CLASS_BADGE[i.classification]}`}>{CLASS_LABEL[i.classification]}</span>
              <div className="small muted">
                {i.endpointCount} endpoint{i.endpointCount === 1 ? "" : "s"} used
                {i.endpoints.length > 0
                  ? `: ${i.endpoints
                      .slice(0, 3)
                      .map((e) => `${e.method} ${e.path} (${e.count})`)
                      .join(", ")}${i.endpoints.length > 3 ? ", …" : ""}`
                  : ""}
              </div>
              {i.narrowTo ? (
                <div className="small">Narrower: {i.narrowTo.map((e) => `${e.method} ${e.path}`).join(", ")}</div>
              ) : null}
            </td>
            <td className="num">{i.requestCount}</td>
            <td>{i.lastUsedAt ? formatDateTime(i.lastUsedAt) : "never"}</td>
            <td>{i.suggestion}</td>
            <td>
              {i.decision ? (
                <>
                  <strong>{i.decision}</strong>
                  <div className="small muted">
                    {i.decidedBy ?? ""} {i.decidedAt ? formatDateTime(i.decidedAt) : ""}
                  </div>
                  {i.changeRequestNumber ? (
                    <Link href={`/reviews/${i.changeRequestNumber}`}>change request #{i.changeRequestNumber}</Link>
                  ) : null}
                </>
              ) : i.overdue ? (
                <span className="badge badge-danger">overdue</span>
              ) : (
                <span className="muted">pending</span>
              )}
            </td>
            <td>
              {i.mayDecide ? (
                <div className="row">
                  <button type="button" className="btn btn-sm" disabled={busy} onClick={() => decide(i, "keep")}>
                    Keep
                  </button>
                  {i.narrowTo ? (
                    <button type="button" className="btn btn-sm" disabled={busy} onClick={() => decide(i, "narrow")}>
                      Narrow
                    </button>
                  ) : null}
                  <button
                    type="button"
                    className="btn btn-sm btn-danger"
                    disabled={busy}
                    onClick={() => decide(i, "revoke")}
                  >
                    Revoke
                  </button>
                </div>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
