import { CardSection } from "@/components/ui";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { getRollout } from "@/lib/rollouts/rollout-view";
import { ZRolloutParams } from "@/lib/rollouts/schemas";
import type { RolloutFigures, SideFigures } from "@/lib/rollouts/rollout-figures";
import { formatDateTime } from "@/components/format";
import { orNotFound } from "../../../../_components/or-not-found";
import { RolloutActions } from "./rollout-actions";
import { rolloutHistory } from "@/lib/rollouts/rollout-history";
import { DEFAULT_THRESHOLDS } from "@/lib/rollouts/judge-rollout";
import { ZRolloutThresholds } from "@/lib/rollouts/schemas";
import { ComparisonChart, rolloutSeries } from "./rollout-charts";
import { ReplaySummary } from "./replay-summary";
import type { RolloutReplay } from "@/lib/rollouts/rollout-replay";
import { Breadcrumbs } from "@/components/breadcrumbs";
import { bundleTrail } from "../../bundle-trail";

export const metadata: Metadata = { title: "Rollout" };

const pct = (n: number, total: number) => (total === 0 ? "–" : `${((n / total) * 100).toFixed(1)} %`);
const us = (ns: number | null) => (ns === null ? "–" : `${Math.round(ns / 1000)} µs`);

function SideRows({ name, side }: { name: string; side: SideFigures }) {
  return (
    <>
      {Object.entries(side.paths).map(([path, f]) => (
        <tr key={`${name}-${path}`}>
          <td>{name}</td>
          <td className="mono">{path || "(no path)"}</td>
          <td>{f.total}</td>
          <td>{pct(f.allow, f.total)}</td>
          <td>{pct(f.deny, f.total)}</td>
          <td>{pct(f.undefined, f.total)}</td>
          <td>{pct(f.errors, f.total)}</td>
          <td>
            {us(side.p50EvalNs)} / {us(side.p99EvalNs)}
          </td>
        </tr>
      ))}
    </>
  );
}

export default async function RolloutPage({ params }: { params: Promise<{ name: string; id: string }> }) {
  const actor = await requirePageActor("bundle:read");
  const parsed = ZRolloutParams.safeParse(await params);
  if (!parsed.success) notFound();
  const r = await orNotFound(getRollout({ actor, name: parsed.data.name, id: parsed.data.id }));
  const { evaluations } = await rolloutHistory({ actor, name: r.bundle, id: r.id });
  const parsedThresholds = ZRolloutThresholds.partial().safeParse(r.thresholds ?? {});
  const thresholds = { ...DEFAULT_THRESHOLDS, ...(parsedThresholds.success ? parsedThresholds.data : {}) };
  const series = rolloutSeries(evaluations, thresholds);
  // Canary credentials per stage: the current stage's now, an earlier one's at its last judgement.
  const agentsAt = new Map<number, number>();
  for (const e of evaluations) agentsAt.set(e.stageIndex, e.canaryAgents);
  agentsAt.set(r.stage.index, r.canaryCredentialIds.length);
  const evaluation = r.lastEvaluation as {
    at: string;
    verdict: string;
    reasons: string[];
    figures: RolloutFigures;
    replay?: RolloutReplay | null;
  } | null;
  return (
    <div className="page">
      <Breadcrumbs trail={bundleTrail(r.bundle)}>Rollout</Breadcrumbs>
      <div className="page-header">
        <div>
          <h1>
            Rollout {r.baseline.revision} → {r.canary.revision}{" "}
            <span
              className={`badge ${r.state === "aborted" ? "badge-danger" : r.state === "promoted" ? "badge-ok" : "badge-warn"}`}
            >
              {r.state}
            </span>
          </h1>
          <p className="subtitle">
            Started by {r.startedBy} {formatDateTime(r.createdAt)}
            {r.selector
              ? ` · selector ${Object.entries(r.selector)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(", ")}`
              : ""}
            {r.endedReason ? ` · ${r.endedReason}` : ""}
          </p>
        </div>
      </div>
      <CardSection id="stages-title" title="Stages">
        <ol className="row row-wrap" aria-label="Stages" style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {r.stages.map((s, i) => (
            <li
              key={s}
              className={`badge${i === r.stage.index ? " badge-accent" : ""}`}
              aria-current={i === r.stage.index ? "step" : undefined}
            >
              Stage {i + 1} of {r.stages.length}: {s} %
              {agentsAt.has(i) ? ` · ${agentsAt.get(i)} canary credential${agentsAt.get(i) === 1 ? "" : "s"}` : ""}
              {i === r.stage.index && r.state === "running" ? ` · since ${formatDateTime(r.stage.startedAt)}` : ""}
            </li>
          ))}
        </ol>
        <p>
          Minimum soak {r.minSoakSeconds} s per stage · {r.canaryCredentialIds.length} canary credential
          {r.canaryCredentialIds.length === 1 ? "" : "s"}
        </p>
        {r.state === "running" && can(actor, "bundle:publish") ? <RolloutActions bundle={r.bundle} id={r.id} /> : null}
      </CardSection>
      <CardSection id="agents-title" title="Canary agents">
        {r.canaryAgents.length === 0 ? (
          <p className="muted">No agent has reported status with a canary credential yet.</p>
        ) : (
          <ul>
            {r.canaryAgents.map((a) => (
              <li key={a.identity} className="mono">
                {a.identity} ({a.credentialName ?? "no credential"}) · last seen {formatDateTime(a.lastSeenAt)}
              </li>
            ))}
          </ul>
        )}
      </CardSection>
      <CardSection id="over-time-title" title="Canary against baseline over time">
        {evaluations.length === 0 ? (
          <p className="muted">
            No evaluation yet: the evaluator judges a running rollout every 15 s, from the decision logs the agents
            upload.
          </p>
        ) : (
          <>
            <p className="small muted">
              {evaluations.length} evaluation{evaluations.length === 1 ? "" : "s"}; each compares the decisions since
              its stage began. Larger dots are above the abort threshold.
            </p>
            <div className="grid-2" style={{ alignItems: "start" }}>
              {series.map((s, i) => (
                <ComparisonChart key={s.title} series={s} id={`rollout-chart-${i}`} />
              ))}
            </div>
          </>
        )}
      </CardSection>
      <CardSection id="last-title" title="Last evaluation">
        {evaluation ? (
          <>
            <p>
              {formatDateTime(evaluation.at)}:{" "}
              <span
                className={`badge ${evaluation.verdict === "abort" ? "badge-danger" : evaluation.verdict === "promote" ? "badge-ok" : "badge-warn"}`}
              >
                {evaluation.verdict}
              </span>
            </p>
            <ul aria-label="Reasons" style={{ margin: 0 }}>
              {evaluation.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
            <table className="table">
              <thead>
                <tr>
                  <th>Side</th>
                  <th>Path</th>
                  <th>Decisions</th>
                  <th>Allow</th>
                  <th>Deny</th>
                  <th>Undefined</th>
                  <th>Error</th>
                  <th>p50 / p99 eval</th>
                </tr>
              </thead>
              <tbody>
                <SideRows name="canary" side={evaluation.figures.canary} />
                <SideRows name="baseline" side={evaluation.figures.baseline} />
              </tbody>
            </table>
            <h3 style={{ margin: "8px 0 0" }}>Same inputs, both revisions</h3>
            <ReplaySummary replay={evaluation.replay} maxRate={thresholds.maxReplayDifferenceRate} />
          </>
        ) : (
          <p className="muted">Not evaluated yet.</p>
        )}
      </CardSection>
    </div>
  );
}
