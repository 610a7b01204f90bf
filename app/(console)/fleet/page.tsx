import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { listAgents, rolloutProgress, type Rollout } from "@/lib/agents/fleet";
import { ZBundleName } from "@/lib/bundles/bundle-names";
import { FleetIcon } from "@/components/icons";
import { formatDateTime, timeAgo } from "@/components/format";
import { getDemoAgent } from "@/lib/agents/demo-agent";
import { AutoRefresh } from "./auto-refresh";
import { DemoAgentControl } from "./demo-agent-control";
import { DataTable, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Fleet" };

export default async function FleetPage({
  searchParams,
}: {
  searchParams: Promise<{ bundle?: string; cursor?: string }>;
}) {
  const actor = await requirePageActor("agent:read");
  const params = await searchParams;
  const bundle = ZBundleName.safeParse(params.bundle).success ? params.bundle : undefined;
  const [rollout, agents] = await Promise.all([
    rolloutProgress({ actor }),
    listAgents({ actor, query: { bundle, cursor: params.cursor, limit: 100 } }),
  ]);
  const latestBy = new Map(rollout.map((r) => [r.bundle, r.latest?.revision ?? null]));
  return (
    <div className="page page-wide">
      <PageHeader
        title="Fleet"
        actions={
          <div className="row">
            <AutoRefresh seconds={10} />
            {can(actor, "agent:manage") ? (
              <>
                <DemoAgentControl initial={getDemoAgent({ actor })} />
                <Link href="/admin/agent-credentials" className="btn btn-primary">
                  Connect an agent
                </Link>
              </>
            ) : null}
          </div>
        }
      >
        Every OPA agent that reports status: which revision of each bundle it runs, when it was last seen, and what went
        wrong. Agents are named by their <code>instance</code> label.
      </PageHeader>
      {rollout.length > 0 ? (
        <div className="rollout-grid" role="group" aria-label="Rollout by bundle">
          {rollout.map((r) => (
            <RolloutCard key={r.bundle} rollout={r} selected={bundle === r.bundle} />
          ))}
        </div>
      ) : null}
      <section className="card" style={{ marginTop: 16 }} aria-labelledby="agents-title">
        <div className="card-header">
          <h2 id="agents-title" style={{ fontSize: 14 }}>
            {bundle ? (
              <>
                Agents pulling <span className="mono">{bundle}</span>
              </>
            ) : (
              "All agents"
            )}{" "}
            ({agents.items.length}
            {agents.nextCursor ? "+" : ""})
          </h2>
          {bundle ? (
            <Link href="/fleet" className="btn btn-sm">
              Show all
            </Link>
          ) : null}
        </div>
        {agents.items.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <FleetIcon />
            </div>
            <h2>No agent has reported yet</h2>
            <p>
              Start OPA with a config from a bundle&apos;s page (or a new agent credential); it appears here after its
              first status report.
              {can(actor, "agent:manage")
                ? " To see the whole loop at once, start a demo agent: the pinned opa runs here with a fresh credential and sends it realistic requests for ten minutes."
                : ""}
            </p>
          </div>
        ) : (
          <DataTable columns={["Agent", "Bundles", "Last seen", "Health", "OPA", "Credential"]} label="Agents">
            {agents.items.map((a) => (
              <tr key={a.id} data-agent={a.identity}>
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
                    const current = latestBy.get(b.name) === b.activeRevision;
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
                  {a.hasErrors ? (
                    <span className="badge badge-danger">errors</span>
                  ) : (
                    <span className="badge badge-ok">ok</span>
                  )}
                </td>
                <td className="small">{a.opaVersion ?? "—"}</td>
                <td className="small">{a.credential?.name ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </DataTable>
        )}
        {agents.nextCursor ? (
          <div className="pagination">
            <span />
            <Link
              className="btn btn-sm"
              href={`/fleet?${bundle ? `bundle=${bundle}&` : ""}cursor=${agents.nextCursor}`}
            >
              More →
            </Link>
          </div>
        ) : null}
      </section>
    </div>
  );
}

function RolloutCard({ rollout: r, selected }: { rollout: Rollout; selected: boolean }) {
  const pct = (n: number) => (r.total === 0 ? 0 : (n / r.total) * 100);
  return (
    <Link
      href={`/fleet?bundle=${r.bundle}`}
      className={`card rollout-card ${selected ? "selected" : ""}`}
      aria-current={selected ? "page" : undefined}
    >
      <div className="row">
        <span className="mono" style={{ fontWeight: 650 }}>
          {r.bundle}
        </span>
        <span className="spacer" />
        {r.latest ? (
          <span className="badge badge-accent mono">{r.latest.revision}</span>
        ) : (
          <span className="badge">unpublished</span>
        )}
      </div>
      <div className="progress" role="img" aria-label={r.summary}>
        <span className="on-latest" style={{ width: `${pct(r.onLatest)}%` }} />
        <span className="behind" style={{ width: `${pct(r.behind)}%` }} />
        <span className="stale" style={{ width: `${pct(r.stale)}%` }} />
      </div>
      <div className="small" data-testid="rollout-summary">
        {r.summary}
      </div>
    </Link>
  );
}
