import type { RolloutHistoryPoint } from "@/lib/rollouts/rollout-history";
import type { PathFigures, RolloutFigures } from "@/lib/rollouts/rollout-figures";
import type { TRolloutThresholds } from "@/lib/rollouts/schemas";

// The same frame, grid and labels as the decisions chart (its classes), drawn as lines.
const W = 560;
const H = 210;
const PAD = { left: 56, right: 12, top: 12, bottom: 26 };
const LATENCY_FLOOR_NS = 1_000_000;

const utcTime = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const utcSeconds = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZone: "UTC",
});
const utcFull = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

type Point = {
  t: number;
  stage: number;
  canary: number | null;
  baseline: number | null;
  limit: number | null;
  note: string;
};
type Series = { title: string; unit: "rate" | "µs"; points: Point[] };

function niceMax(n: number): number {
  if (n <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((v) => v >= n)!;
}

const breached = (p: Point) => p.canary !== null && p.limit !== null && p.canary > p.limit + 1e-12;

function axis(v: number, unit: Series["unit"]): string {
  return unit === "rate" ? `${Number((v * 100).toFixed(2))} %` : `${Number(v.toFixed(1))} µs`;
}

function format(v: number | null, unit: Series["unit"]): string {
  if (v === null) return "–";
  return unit === "rate" ? `${(v * 100).toFixed(1)} %` : `${Math.round(v)} µs`;
}

/** The compared path with the largest canary-over-baseline rate (both sides with enough decisions), else all paths together. */
function worstRate(
  f: RolloutFigures,
  pick: (p: PathFigures) => number,
  minPerPath: number,
): { canary: number | null; baseline: number | null; path: string | null } {
  let worst: { canary: number; baseline: number; path: string } | null = null;
  for (const [path, c] of Object.entries(f.canary.paths)) {
    const b = f.baseline.paths[path];
    if (!b || c.total < minPerPath || b.total < minPerPath) continue;
    const rate = { canary: pick(c) / c.total, baseline: pick(b) / b.total, path };
    if (!worst || rate.canary - rate.baseline > worst.canary - worst.baseline) worst = rate;
  }
  if (worst) return worst;
  const sum = (paths: Record<string, PathFigures>) =>
    Object.values(paths).reduce((a, p) => ({ n: a.n + pick(p), total: a.total + p.total }), { n: 0, total: 0 });
  const c = sum(f.canary.paths);
  const b = sum(f.baseline.paths);
  return { canary: c.total ? c.n / c.total : null, baseline: b.total ? b.n / b.total : null, path: null };
}

/** The charted series from the stored evaluations: deny, error and undefined rate (worst path) and p99 latency. */
export function rolloutSeries(history: RolloutHistoryPoint[], t: TRolloutThresholds): Series[] {
  const withFigures = history.filter((h) => (h.evaluation as { figures?: unknown }).figures);
  const rateSeries = (title: string, pick: (p: PathFigures) => number, max: number): Series => ({
    title,
    unit: "rate",
    points: withFigures.map((h) => {
      const r = worstRate(h.evaluation.figures as RolloutFigures, pick, t.minDecisionsPerPath);
      return {
        t: Date.parse(h.evaluatedAt),
        stage: h.stage,
        canary: r.canary,
        baseline: r.baseline,
        limit: r.baseline === null || r.path === null ? null : r.baseline + max,
        note: r.path === null ? "all paths (no path compared yet)" : r.path || "(no path)",
      };
    }),
  });
  return [
    rateSeries("Deny rate", (p) => p.deny, t.maxDenyRateIncrease),
    rateSeries("Error rate", (p) => p.errors, t.maxErrorRateIncrease),
    rateSeries("Undefined rate", (p) => p.undefined, t.maxUndefinedRateIncrease),
    {
      title: "p99 eval latency",
      unit: "µs",
      points: withFigures.map((h) => {
        const f = h.evaluation.figures as RolloutFigures;
        const c = f.canary.p99EvalNs;
        const b = f.baseline.p99EvalNs;
        return {
          t: Date.parse(h.evaluatedAt),
          stage: h.stage,
          canary: c === null ? null : c / 1000,
          baseline: b === null ? null : b / 1000,
          limit: b === null ? null : Math.max(b * t.maxP99LatencyRatio, LATENCY_FLOOR_NS) / 1000,
          note: `${f.canary.latencySamples} / ${f.baseline.latencySamples} samples`,
        };
      }),
    },
  ];
}

function path(points: Array<[number, number] | null>): string {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (!p) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** Canary against baseline over time, the abort threshold dashed, judgements above it marked. */
export function ComparisonChart({ series, id }: { series: Series; id: string }) {
  const { points, unit } = series;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const values = points.flatMap((p) => [p.canary, p.baseline, p.limit]).filter((v): v is number => v !== null);
  const max = unit === "rate" ? Math.min(1, niceMax(Math.max(0.01, ...values))) : niceMax(Math.max(1, ...values));
  const t0 = points[0]?.t ?? 0;
  const span = Math.max(1, (points.at(-1)?.t ?? 0) - t0);
  const x = (t: number) => PAD.left + (points.length === 1 ? innerW / 2 : ((t - t0) / span) * innerW);
  const y = (v: number) => PAD.top + innerH - (Math.min(v, max) / max) * innerH;
  const line = (pick: (p: Point) => number | null) =>
    path(points.map((p) => (pick(p) === null ? null : [x(p.t), y(pick(p)!)])));
  const above = points.filter(breached);
  const stageStarts = points.filter((p, i) => i > 0 && p.stage !== points[i - 1]!.stage);
  const last = points.at(-1);
  const clock = span < 600_000 ? utcSeconds : utcTime;
  const label = `${series.title}, canary against baseline, ${points.length} evaluations${
    last ? `; last: canary ${format(last.canary, unit)}, baseline ${format(last.baseline, unit)}` : ""
  }; ${above.length} above the threshold`;
  return (
    <figure className="decision-chart rollout-chart" aria-labelledby={`${id}-caption`}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end" className="chart-label">
              {axis(max * f, unit)}
            </text>
          </g>
        ))}
        {stageStarts.map((p) => (
          <g key={`stage-${p.t}`}>
            <line x1={x(p.t)} x2={x(p.t)} y1={PAD.top} y2={H - PAD.bottom} className="chart-stage" />
            <text x={x(p.t) + 4} y={PAD.top + 10} className="chart-label">
              {p.stage} %
            </text>
          </g>
        ))}
        <path d={line((p) => p.limit)} className="chart-threshold" />
        <path d={line((p) => p.baseline)} className="chart-line chart-line-baseline" />
        <path d={line((p) => p.canary)} className="chart-line chart-line-canary" />
        {points.map((p) =>
          p.canary === null ? null : (
            <circle
              key={p.t}
              cx={x(p.t)}
              cy={y(p.canary)}
              r={breached(p) ? 5 : 2.5}
              className={breached(p) ? "chart-breach" : "chart-dot-canary"}
            >
              <title>{`${utcFull.format(new Date(p.t))} UTC, stage ${p.stage} %, ${p.note}: canary ${format(p.canary, unit)}, baseline ${format(p.baseline, unit)}, threshold ${format(p.limit, unit)}`}</title>
            </circle>
          ),
        )}
        {points.length > 0 ? (
          <>
            <text x={PAD.left} y={H - 8} className="chart-label">
              {clock.format(new Date(t0))}
            </text>
            <text x={W - PAD.right} y={H - 8} textAnchor="end" className="chart-label">
              {clock.format(new Date(t0 + span))} UTC
            </text>
          </>
        ) : null}
      </svg>
      <figcaption id={`${id}-caption`} className="chart-legend">
        <strong>{series.title}</strong>
        <span>
          <i className="chart-key chart-line-canary" /> Canary
        </span>
        <span>
          <i className="chart-key chart-line-baseline" /> Baseline
        </span>
        <span>
          <i className="chart-key chart-threshold-key" /> Abort threshold
        </span>
        {above.length > 0 ? (
          <span className="stat-danger">
            <i className="chart-key chart-breach" /> {above.length} above the threshold
          </span>
        ) : null}
        {unit === "rate" ? <span className="muted">worst compared path per evaluation</span> : null}
      </figcaption>
      <details>
        <summary className="small">{series.title} as a table</summary>
        <table className="table">
          <thead>
            <tr>
              <th>Evaluated (UTC)</th>
              <th>Stage</th>
              <th>{unit === "rate" ? "Path" : "Samples (canary / baseline)"}</th>
              <th>Canary</th>
              <th>Baseline</th>
              <th>Threshold</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.t} className={breached(p) ? "row-breach" : undefined}>
                <td>{utcFull.format(new Date(p.t))}</td>
                <td>{p.stage} %</td>
                <td className="mono">{p.note}</td>
                <td>
                  {format(p.canary, unit)}
                  {breached(p) ? <span className="badge badge-danger"> above threshold</span> : null}
                </td>
                <td>{format(p.baseline, unit)}</td>
                <td>{format(p.limit, unit)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
