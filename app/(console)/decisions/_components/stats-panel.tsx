import Link from "next/link";
import type { Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/core/errors";
import { getDecisionStats, type DecisionStats } from "@/lib/decisions/decision-stats";
import type { TDecisionFilter } from "@/lib/decisions/schemas";
import { DecisionsChart } from "./decisions-chart";
import { pageSearch } from "./page-filter";

const number = new Intl.NumberFormat("en-US");
const percent = (part: number, all: number) =>
  all === 0 ? "—" : `${((part / all) * 100).toFixed(part === all || part === 0 ? 0 : 1)}%`;

/** Totals, the allowed/denied chart, top denied callers and top paths (streamed in after the list). */
export async function StatsPanel({
  actor,
  filter,
  raw,
}: {
  actor: Actor;
  filter: TDecisionFilter;
  raw: Record<string, string>;
}) {
  let stats: DecisionStats;
  try {
    stats = await getDecisionStats({ actor, filter });
  } catch (error) {
    if (error instanceof AppError && error.status < 500)
      return (
        <div className="alert alert-warn" role="status">
          Counts are not available for this filter: {error.message}
        </div>
      );
    throw error;
  }
  const t = stats.totals;
  return (
    <section aria-label="Decision statistics" className="stack">
      <div className="grid-4">
        <Stat
          label="Decisions"
          value={number.format(t.all)}
          sub={stats.source === "rollups" ? "from hourly counts" : "counted from the rows"}
        />
        <Stat label="Allowed" value={number.format(t.allowed)} sub={percent(t.allowed, t.all)} tone="ok" />
        <Stat label="Denied" value={number.format(t.denied)} sub={percent(t.denied, t.all)} tone="danger" />
        <Stat label="Undefined / other" value={number.format(t.other)} sub={percent(t.other, t.all)} />
      </div>
      <div className="card card-body">
        {t.all === 0 ? (
          <p className="muted small">No decisions in this range.</p>
        ) : (
          <DecisionsChart series={stats.series} bucketSeconds={stats.bucketSeconds} />
        )}
      </div>
      <div className="grid-2">
        <TopList
          title="Top denied callers"
          empty={
            filter.outcome && filter.outcome !== "denied"
              ? "Not shown when filtering for other outcomes."
              : "No denials in this range."
          }
          rows={stats.topDeniedCallers.map((c) => ({
            key: c.caller,
            label: c.caller || "(no caller in input)",
            count: c.count,
            href: `/decisions${pageSearch(raw, { caller: c.caller || undefined, outcome: "denied", cursor: undefined })}`,
          }))}
        />
        <TopList
          title="Top decision paths"
          empty="No decisions in this range."
          rows={stats.topPaths.map((p) => ({
            key: p.path,
            label: p.path || "(ad-hoc query)",
            count: p.count,
            extra: p.denied ? `${number.format(p.denied)} denied` : undefined,
            href: `/decisions${pageSearch(raw, { path: p.path || undefined, cursor: undefined })}`,
          }))}
        />
      </div>
    </section>
  );
}

function Stat({ label, value, sub, tone }: { label: string; value: string; sub: string; tone?: "ok" | "danger" }) {
  return (
    <div className="card stat">
      <div className="stat-label">{label}</div>
      <div className={`stat-value ${tone ? `stat-${tone}` : ""}`}>{value}</div>
      <div className="stat-sub">{sub}</div>
    </div>
  );
}

type TopRow = { key: string; label: string; count: number; extra?: string; href: string };

function TopList({ title, rows, empty }: { title: string; rows: TopRow[]; empty: string }) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <div className="card">
      <div className="card-header">
        <h2>{title}</h2>
      </div>
      {rows.length === 0 ? (
        <p className="muted small card-body">{empty}</p>
      ) : (
        <ol className="top-list">
          {rows.map((r) => (
            <li key={r.key}>
              <Link href={r.href} className="mono truncate" title={r.label}>
                {r.label}
              </Link>
              <span className="num small">
                {number.format(r.count)}
                {r.extra ? <span className="muted"> · {r.extra}</span> : null}
              </span>
              <span className="top-bar" style={{ width: `${(r.count / max) * 100}%` }} aria-hidden />
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

export function StatsSkeleton() {
  return (
    <div className="stack" role="status" aria-busy="true" aria-label="Loading statistics">
      <div className="grid-4">
        {Array.from({ length: 4 }, (_, i) => (
          <div key={i} className="card stat">
            <div className="skeleton" style={{ height: 48 }} />
          </div>
        ))}
      </div>
      <div className="card card-body">
        <div className="skeleton" style={{ height: 190 }} />
      </div>
    </div>
  );
}
