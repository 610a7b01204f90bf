import type { CSSProperties } from "react";
import Link from "next/link";
import type { RolloutView } from "@/lib/rollouts/rollout-view";
import { DataTable, num } from "@/components/ui";
import { timeAgo } from "@/components/format";

type LastVerdict = { at: string; verdict: "promote" | "hold" | "abort"; reasons: string[] } | null;

const verdictBadge = { promote: "badge-ok", hold: "badge-warn", abort: "badge-danger" } as const;

/** Canary rollouts in progress: which revision against which, how far along, and what the last judgement said. */
export function CanaryRollouts({
  rollouts,
  title = "Canary rollouts in progress",
  style = { marginTop: 16 },
}: {
  rollouts: RolloutView[];
  title?: string;
  style?: CSSProperties;
}) {
  if (rollouts.length === 0) return null;
  return (
    <section className="card" style={style} aria-labelledby="canary-rollouts-title">
      <div className="card-header">
        <h2 id="canary-rollouts-title" style={{ fontSize: 14 }}>
          {title}
        </h2>
      </div>
      <DataTable
        columns={["Bundle", "Canary vs baseline", "Stage", num("Canary credentials"), "Last verdict"]}
        label={title}
      >
        {rollouts.map((r) => {
          const last = r.lastEvaluation as LastVerdict;
          return (
            <tr key={r.id}>
              <td>
                <Link href={`/bundles/${r.bundle}/rollouts/${r.id}`} className="table-link mono">
                  {r.bundle}
                </Link>
              </td>
              <td className="mono">
                <Link href={`/bundles/${r.bundle}/rollouts/${r.id}`}>
                  canary {r.canary.revision} vs baseline {r.baseline.revision}
                </Link>
              </td>
              <td>
                stage {r.stage.index + 1} of {r.stages.length} · {r.stage.percent} %
                <div className="muted small">since {timeAgo(r.stage.startedAt)}</div>
              </td>
              <td className="num">{r.canaryCredentialIds.length}</td>
              <td className="small">
                {last ? (
                  <>
                    <span className={`badge ${verdictBadge[last.verdict] ?? ""}`}>{last.verdict}</span>{" "}
                    <span title={last.reasons.join("; ")}>{timeAgo(last.at)}</span>
                  </>
                ) : (
                  <span className="muted">not evaluated yet</span>
                )}
              </td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}
