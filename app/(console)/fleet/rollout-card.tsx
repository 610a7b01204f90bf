import Link from "next/link";
import type { Rollout, RevisionCount } from "@/lib/agents/fleet";
import { fleetHref } from "./fleet-link";

// The chart names this many revisions; older ones share one row.
const SHOWN = 5;

/** One bundle's rollout: the summary line, and one bar per revision with links to its agents and the laggards. */
export function RolloutCard({ rollout: r, selected }: { rollout: Rollout; selected: boolean }) {
  const pct = (n: number) => (r.total === 0 ? 0 : (n / r.total) * 100);
  const shown = r.revisions.slice(0, SHOWN);
  const rest = r.revisions.slice(SHOWN);
  const rows: Array<RevisionCount & { label: string; href: string | null }> = shown.map((c) => ({
    ...c,
    label: c.revision ?? "none",
    href: c.revision ? fleetHref({ bundle: r.bundle, revision: c.revision }) : null,
  }));
  if (rest.length > 0)
    rows.push({
      revision: null,
      label: `${rest.length} more`,
      agents: rest.reduce((n, c) => n + c.agents, 0),
      stale: rest.reduce((n, c) => n + c.stale, 0),
      latest: false,
      assigned: false,
      href: null,
    });
  const chartId = `rollout-${r.bundle}`;
  return (
    <section
      className={`card rollout-card ${selected ? "selected" : ""}`}
      aria-current={selected ? "page" : undefined}
      aria-labelledby={`${chartId}-title`}
    >
      <div className="row">
        <h2 id={`${chartId}-title`} className="rollout-title">
          <Link href={fleetHref({ bundle: r.bundle })} className="mono">
            {r.bundle}
          </Link>
        </h2>
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
      {rows.length > 0 ? (
        <table className="revision-chart" aria-label={`Agents per revision of ${r.bundle}`}>
          <thead className="sr-only">
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">Share</th>
              <th scope="col">Agents</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.label} data-revision={c.label}>
                <th scope="row" className="mono">
                  {c.href ? <Link href={c.href}>{c.label}</Link> : c.label}
                </th>
                <td className="revision-bar" aria-hidden="true">
                  <span
                    className={c.assigned ? "on-latest" : "behind"}
                    style={{ width: `${pct(c.agents - c.stale)}%` }}
                  />
                  <span className="stale" style={{ width: `${pct(c.stale)}%` }} />
                </td>
                <td className="num small">
                  {c.agents.toLocaleString("en-US")}
                  {c.stale > 0 ? <span className="muted"> ({c.stale.toLocaleString("en-US")} stale)</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {r.latest && r.notOnLatest > 0 ? (
        r.rollout?.state === "running" ? (
          <Link className="small" href={fleetHref({ bundle: r.bundle, unassigned: "1" })}>
            {r.notOnLatest.toLocaleString("en-US")} agent{r.notOnLatest === 1 ? "" : "s"} not on their rollout revision
            →
          </Link>
        ) : (
          <Link className="small" href={fleetHref({ bundle: r.bundle, notRevision: r.latest.revision })}>
            {r.notOnLatest.toLocaleString("en-US")} agent{r.notOnLatest === 1 ? "" : "s"} not on {r.latest.revision} →
          </Link>
        )
      ) : null}
    </section>
  );
}
