type Segment = { tone: "on-latest" | "behind" | "stale"; percent: number };

/** A progress bar out of 100, painted in segments (done, partly done, undone), one segment by default. */
export function ProgressBar({ label, percent, segments }: { label: string; percent: number; segments?: Segment[] }) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      {(segments ?? [{ tone: "on-latest", percent }]).map((s) => (
        <span key={s.tone} className={s.tone} style={{ width: `${s.percent}%` }} />
      ))}
    </div>
  );
}
