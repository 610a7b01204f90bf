import Link from "next/link";
import { AppError } from "@/lib/core/errors";
import type { AgentPage, AgentRow } from "@/lib/agents/list-agents";
import { FleetIcon } from "@/components/icons";
import { formatDateTime, timeAgo } from "@/components/format";
import { DataTable, EmptyState } from "@/components/ui";
import { fleetHref, type FleetFilters } from "./fleet-link";

const COLUMNS = ["Agent", "Bundles", "Last seen", "Health", "OPA", "Credential"];

/**
 * One page of agents for the filters, with its pager; streamed in after the rest of the page. The
 * page starts the query together with the rollout's, so both show the fleet at about one moment.
 */
export async function AgentTable({
  agents,
  filters,
  latestBy,
  emptyFleetHint,
}: {
  agents: Promise<AgentPage>;
  filters: FleetFilters;
  latestBy: Map<string, string | null>;
  emptyFleetHint: string;
}) {
  let page: AgentPage;
  try {
    page = await agents;
  } catch (error) {
    // A page link whose cursor this server did not make (edited, or cut short when pasted).
    if (!(error instanceof AppError) || error.code !== "validation_failed") throw error;
    return (
      <div className="card-body" role="alert">
        <p className="error-text">This page link is not valid: {error.message.toLowerCase()}.</p>
        <Link href={fleetHref(filters)}>Go to the first page</Link>
      </div>
    );
  }
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <p className="muted small fleet-count" role="status" data-testid="fleet-matching">
        {page.matching.toLocaleString("en-US")} agent{page.matching === 1 ? "" : "s"}
        {filtered ? " match" : ""}
        {page.items.length < page.matching ? `; ${page.items.length} on this page` : ""}
      </p>
      {page.items.length === 0 ? (
        filtered ? (
          <EmptyState icon={<FleetIcon />} title="No agent matches these filters">
            <p>
              <Link href="/fleet">Clear the filters</Link> to see the whole fleet.
            </p>
          </EmptyState>
        ) : (
          <EmptyState icon={<FleetIcon />} title="No agent has reported yet">
            <p>{emptyFleetHint}</p>
          </EmptyState>
        )
      ) : (
        <DataTable columns={COLUMNS} label="Agents">
          {page.items.map((a) => (
            <AgentTableRow key={a.id} agent={a} latestBy={latestBy} />
          ))}
        </DataTable>
      )}
      {page.prevCursor || page.nextCursor ? (
        <nav className="pagination" aria-label="Agent pages">
          {page.prevCursor ? (
            <Link className="btn btn-sm" href={fleetHref(filters, { before: page.prevCursor })} rel="prev">
              ← Previous
            </Link>
          ) : (
            <span />
          )}
          {page.nextCursor ? (
            <Link className="btn btn-sm" href={fleetHref(filters, { cursor: page.nextCursor })} rel="next">
              Next →
            </Link>
          ) : (
            <span />
          )}
        </nav>
      ) : null}
    </>
  );
}

function AgentTableRow({ agent: a, latestBy }: { agent: AgentRow; latestBy: Map<string, string | null> }) {
  return (
    <tr data-agent={a.identity}>
      <td className="mono">
        {a.identity}
        {a.identitySource === "id" ? (
          <div className="muted small" title="No instance label: OPA's labels.id changes on every restart">
            no instance label
          </div>
        ) : null}
      </td>
      <td>
        {a.bundles.map((b) => {
          // Rollout-aware: during a rollout the baseline agents' revision is current too.
          const current = (b.assignedRevision ?? latestBy.get(b.name)) === b.activeRevision;
          return (
            <div key={b.name} className="small">
              <span className="mono">{b.name}</span>{" "}
              <span
                className={`badge mono ${b.code ? "badge-danger" : current ? "badge-ok" : "badge-warn"}`}
                title={b.message ?? undefined}
                data-testid="agent-revision"
              >
                {b.activeRevision ?? "none"}
              </span>
              {b.code ? (
                <span className="muted">
                  {" "}
                  {b.httpCode ? `HTTP ${b.httpCode}: ` : ""}
                  {b.message}
                </span>
              ) : null}
            </div>
          );
        })}
      </td>
      <td title={formatDateTime(a.lastSeenAt)}>
        {timeAgo(a.lastSeenAt)}
        {a.stale ? (
          <div>
            <span className="badge badge-warn">stale</span>
          </div>
        ) : null}
      </td>
      <td>
        {a.hasErrors ? <span className="badge badge-danger">errors</span> : <span className="badge badge-ok">ok</span>}
      </td>
      <td className="small">{a.opaVersion ?? "—"}</td>
      <td className="small">{a.credential?.name ?? <span className="muted">—</span>}</td>
    </tr>
  );
}

/** What the table shows while its page loads. */
export function AgentTableSkeleton() {
  return (
    <div className="card-body stack" role="status" aria-busy="true" aria-label="Loading agents">
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="skeleton" style={{ height: 18 }} />
      ))}
    </div>
  );
}
