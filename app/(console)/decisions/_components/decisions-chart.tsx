import type { SeriesPoint } from "@/lib/decisions/decision-stats";

const W = 1000;
const H = 190;
const PAD = { left: 48, right: 8, top: 10, bottom: 26 };

const utcTime = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const utcDay = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const utcFull = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function tickLabel(t: Date, bucketSeconds: number, spanMs: number): string {
  if (spanMs > 2 * 86_400_000)
    return bucketSeconds >= 86_400 ? utcDay.format(t) : `${utcDay.format(t)} ${utcTime.format(t)}`;
  return utcTime.format(t);
}

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((v) => v >= n)!;
}

const compact = new Intl.NumberFormat("en", { notation: "compact" });

/** Allowed and denied decisions over time as stacked bars (inline SVG, no chart library needed). */
export function DecisionsChart({ series, bucketSeconds }: { series: SeriesPoint[]; bucketSeconds: number }) {
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...series.map((p) => p.allowed + p.denied + p.other)));
  const slot = innerW / Math.max(1, series.length);
  const barW = Math.max(1, slot * 0.8);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const spanMs = series.length * bucketSeconds * 1000;
  const every = Math.max(1, Math.ceil(series.length / 8));
  const denied = series.reduce((n, p) => n + p.denied, 0);
  const total = series.reduce((n, p) => n + p.allowed + p.denied + p.other, 0);
  return (
    <figure className="decision-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Decisions over time: ${total} in total, ${denied} denied`}>
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end" className="chart-label">
              {compact.format(max * f)}
            </text>
          </g>
        ))}
        {series.map((p, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const t = new Date(p.t);
          const parts = [
            { key: "allowed", v: p.allowed, from: 0 },
            { key: "denied", v: p.denied, from: p.allowed },
            { key: "other", v: p.other, from: p.allowed + p.denied },
          ];
          return (
            <g key={p.t}>
              <title>{`${utcFull.format(t)} UTC — ${p.allowed} allowed, ${p.denied} denied${p.other ? `, ${p.other} other` : ""}`}</title>
              <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={innerH} className="chart-hover" />
              {parts.map((part) =>
                part.v > 0 ? (
                  <rect
                    key={part.key}
                    x={x}
                    width={barW}
                    y={y(part.from + part.v)}
                    height={Math.max(0.5, y(part.from) - y(part.from + part.v))}
                    className={`chart-${part.key}`}
                  />
                ) : null,
              )}
              {i % every === 0 ? (
                <text
                  x={Math.min(x + barW / 2, W - PAD.right)}
                  y={H - 8}
                  textAnchor={x + barW / 2 > W - 70 ? "end" : "middle"}
                  className="chart-label"
                >
                  {tickLabel(t, bucketSeconds, spanMs)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        <span>
          <i className="chart-key chart-allowed" /> Allowed
        </span>
        <span>
          <i className="chart-key chart-denied" /> Denied
        </span>
        <span>
          <i className="chart-key chart-other" /> Undefined / other
        </span>
        <span className="muted">
          per{" "}
          {bucketSeconds >= 86_400
            ? "day"
            : bucketSeconds >= 3600
              ? `${bucketSeconds / 3600} h`
              : `${bucketSeconds / 60} min`}
          , UTC
        </span>
      </figcaption>
    </figure>
  );
}
