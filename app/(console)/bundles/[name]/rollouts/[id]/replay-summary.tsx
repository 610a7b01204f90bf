import Link from "next/link";
import type { ReplayedValue } from "@/lib/decisions/replay-inputs";
import type { RolloutReplay } from "@/lib/rollouts/rollout-replay";
import { formatDateTime } from "@/components/format";

const shown = (v: ReplayedValue) => (v.defined ? JSON.stringify(v.result) : "undefined");

/** The sampled replay of the last evaluation: the same inputs against both revisions, and where they decide differently. */
export function ReplaySummary({ replay, maxRate }: { replay: RolloutReplay | null | undefined; maxRate: number }) {
  if (!replay) return <p className="muted">No replay of this stage's inputs yet.</p>;
  const over = replay.differenceRate > maxRate;
  return (
    <div className="stack" style={{ gap: 8 }}>
      <p>
        Replayed {replay.sampled} distinct input{replay.sampled === 1 ? "" : "s"}
        {replay.truncated ? ` (a sample of at most ${replay.limit})` : ""} against both revisions at{" "}
        {formatDateTime(replay.at)}:{" "}
        <span className={`badge ${over ? "badge-warn" : "badge-ok"}`}>
          {replay.differing} decided differently ({(replay.differenceRate * 100).toFixed(1)} %)
        </span>{" "}
        <span className="muted">hold above {(maxRate * 100).toFixed(1)} %</span>
      </p>
      {replay.errors.map((e) => (
        <p key={e.revision} role="alert" className="badge badge-danger">
          {e.revision} could not be evaluated: {e.message}
        </p>
      ))}
      {replay.examples.length > 0 ? (
        <table className="table">
          <caption className="muted" style={{ textAlign: "left" }}>
            Inputs the two revisions decide differently
          </caption>
          <thead>
            <tr>
              <th>Decision</th>
              <th>Path</th>
              <th>Taken from</th>
              <th>Canary decides</th>
              <th>Baseline decides</th>
            </tr>
          </thead>
          <tbody>
            {replay.examples.map((x) => (
              <tr key={x.decisionId}>
                <td className="mono">
                  <Link href={`/decisions/${encodeURIComponent(x.decisionId)}`}>{x.decisionId.slice(0, 8)}</Link>
                </td>
                <td className="mono">{x.path}</td>
                <td>{x.side}</td>
                <td className="mono">{shown(x.canary)}</td>
                <td className="mono">{shown(x.baseline)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
