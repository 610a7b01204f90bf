import type { TRolloutThresholds } from "@/lib/rollouts/schemas";
import type { PathFigures, RolloutFigures } from "@/lib/rollouts/rollout-figures";
import type { RolloutReplay } from "@/lib/rollouts/rollout-replay";

export type Judgement = { verdict: "promote" | "hold" | "abort"; reasons: string[] };

export const DEFAULT_THRESHOLDS: TRolloutThresholds = {
  minCanaryDecisions: 50,
  minDecisionsPerPath: 10,
  maxDenyRateIncrease: 0.05,
  maxErrorRateIncrease: 0.01,
  maxUndefinedRateIncrease: 0.05,
  maxP99LatencyRatio: 3,
  maxNewCallersDenied: 0,
  replaySample: 200,
  maxReplayDifferenceRate: 0.05,
  replayIntervalSeconds: 300,
};

// Below this the p99 comparison is noise (a cold cache, one GC pause), whatever the ratio.
const LATENCY_FLOOR_NS = 1_000_000;

const rate = (n: number, f: PathFigures) => (f.total === 0 ? 0 : n / f.total);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * Abort on any breach; otherwise hold until the soak time has passed and the canary has decided
 * enough; then promote (the next stage, or everyone after the last). A replay whose revisions
 * decide too many sampled inputs differently only holds: an intended change differs by design,
 * so a person promotes or aborts it.
 */
export function judgeRollout(
  figures: RolloutFigures,
  t: TRolloutThresholds,
  soaked: boolean,
  replay?: RolloutReplay | null,
): Judgement {
  const breaches: string[] = [];
  for (const [path, canary] of Object.entries(figures.canary.paths)) {
    const baseline = figures.baseline.paths[path];
    if (!baseline || canary.total < t.minDecisionsPerPath || baseline.total < t.minDecisionsPerPath) continue;
    const checks: Array<[string, number, number, number]> = [
      ["deny", rate(canary.deny, canary), rate(baseline.deny, baseline), t.maxDenyRateIncrease],
      ["error", rate(canary.errors, canary), rate(baseline.errors, baseline), t.maxErrorRateIncrease],
      ["undefined", rate(canary.undefined, canary), rate(baseline.undefined, baseline), t.maxUndefinedRateIncrease],
    ];
    for (const [what, c, b, max] of checks) {
      if (c - b > max + 1e-9)
        breaches.push(`${what} rate on ${path || "(no path)"}: canary ${pct(c)}, baseline ${pct(b)}`);
    }
  }
  const { canary, baseline } = figures;
  if (
    canary.p99EvalNs !== null &&
    baseline.p99EvalNs !== null &&
    canary.latencySamples >= t.minDecisionsPerPath &&
    baseline.latencySamples >= t.minDecisionsPerPath &&
    canary.p99EvalNs > LATENCY_FLOOR_NS &&
    canary.p99EvalNs > baseline.p99EvalNs * t.maxP99LatencyRatio
  ) {
    breaches.push(
      `p99 eval latency: canary ${Math.round(canary.p99EvalNs / 1000)} µs, baseline ${Math.round(baseline.p99EvalNs / 1000)} µs`,
    );
  }
  // Only where the baseline decided enough on the path: in a last stage of 100 % nobody is on the
  // baseline, and every caller the canary denies would look new.
  const newCallers = figures.newCallersDenied.filter(
    (c) => (figures.baseline.paths[c.path]?.total ?? 0) >= t.minDecisionsPerPath,
  );
  if (newCallers.length > t.maxNewCallersDenied) {
    const listed = newCallers
      .slice(0, 5)
      .map((c) => `${c.caller} on ${c.path || "(no path)"}`)
      .join(", ");
    breaches.push(`callers denied only by the canary: ${listed}`);
  }
  if (breaches.length > 0) return { verdict: "abort", reasons: breaches };
  const waiting: string[] = [];
  if (!soaked) waiting.push("the stage has not soaked for its minimum time yet");
  if (canary.total < t.minCanaryDecisions)
    waiting.push(`the canary has made ${canary.total} of ${t.minCanaryDecisions} decisions needed`);
  if (replay) waiting.push(...replayReasons(replay, t));
  else if (replay === null && t.replaySample > 0) waiting.push("the replay of this stage has not been taken yet");
  if (waiting.length > 0) return { verdict: "hold", reasons: waiting };
  return { verdict: "promote", reasons: [`${canary.total} canary decisions within thresholds`] };
}

function replayReasons(replay: RolloutReplay, t: TRolloutThresholds): string[] {
  if (replay.errors.length > 0)
    return [`the replay could not evaluate ${replay.errors[0]!.revision}: ${replay.errors[0]!.message}`];
  return Object.entries(replay.paths)
    .filter(([, p]) => p.differenceRate > t.maxReplayDifferenceRate + 1e-9)
    .map(
      ([path, p]) =>
        `replay: ${p.differing} of ${p.sampled} sampled inputs on ${path || "(no path)"} decide differently (${pct(p.differenceRate)}, above ${pct(t.maxReplayDifferenceRate)}); promote or abort by hand`,
    );
}
