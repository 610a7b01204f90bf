import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS, judgeRollout } from "@/lib/rollouts/judge-rollout";
import { bucketOf, inStage } from "@/lib/rollouts/rollout-members";
import type { PathFigures, RolloutFigures, SideFigures } from "@/lib/rollouts/rollout-figures";
import { replayDue, type RolloutReplay } from "@/lib/rollouts/rollout-replay";

const path = (allow: number, deny: number, extra: Partial<PathFigures> = {}): PathFigures => ({
  total: allow + deny + (extra.undefined ?? 0) + (extra.errors ?? 0),
  allow,
  deny,
  undefined: 0,
  errors: 0,
  ...extra,
});
const side = (paths: Record<string, PathFigures>, p99: number | null = null): SideFigures => ({
  total: Object.values(paths).reduce((n, p) => n + p.total, 0),
  p50EvalNs: p99,
  p99EvalNs: p99,
  latencySamples: p99 === null ? 0 : 100,
  paths,
});
const figures = (
  canary: SideFigures,
  baseline: SideFigures,
  newCallersDenied: RolloutFigures["newCallersDenied"] = [],
) => ({
  window: { from: "", to: "" },
  canary,
  baseline,
  newCallersDenied,
});

describe("judging a rollout stage", () => {
  it("promotes when soaked, with enough decisions and the same rates", () => {
    const f = figures(side({ "a/allow": path(90, 10) }), side({ "a/allow": path(900, 100) }));
    expect(judgeRollout(f, DEFAULT_THRESHOLDS, true).verdict).toBe("promote");
  });

  it("holds before the soak time or with too few canary decisions", () => {
    const f = figures(side({ "a/allow": path(90, 10) }), side({ "a/allow": path(900, 100) }));
    expect(judgeRollout(f, DEFAULT_THRESHOLDS, false).verdict).toBe("hold");
    const few = figures(side({ "a/allow": path(9, 1) }), side({ "a/allow": path(900, 100) }));
    expect(judgeRollout(few, DEFAULT_THRESHOLDS, true)).toMatchObject({ verdict: "hold" });
  });

  it("aborts on a deny-rate, error-rate or undefined-rate increase on a path, even before the soak ends", () => {
    const deny = figures(side({ "a/allow": path(50, 50) }), side({ "a/allow": path(900, 100) }));
    expect(judgeRollout(deny, DEFAULT_THRESHOLDS, false)).toMatchObject({ verdict: "abort" });
    const errors = figures(side({ "a/allow": path(90, 0, { errors: 10 }) }), side({ "a/allow": path(1000, 0) }));
    expect(judgeRollout(errors, DEFAULT_THRESHOLDS, true).reasons[0]).toMatch(/^error rate on a\/allow/);
    const undef = figures(side({ "a/allow": path(80, 0, { undefined: 20 }) }), side({ "a/allow": path(1000, 0) }));
    expect(judgeRollout(undef, DEFAULT_THRESHOLDS, true).reasons[0]).toMatch(/^undefined rate/);
  });

  it("compares a path only when both sides decided enough on it", () => {
    const f = figures(side({ "a/allow": path(45, 55), "b/allow": path(0, 5) }), side({ "a/allow": path(500, 500) }));
    expect(judgeRollout(f, DEFAULT_THRESHOLDS, true).verdict).toBe("promote");
  });

  it("aborts on a p99 latency regression above the floor, and on callers only the canary denies", () => {
    const slow = figures(side({ p: path(100, 0) }, 9_000_000), side({ p: path(100, 0) }, 2_000_000));
    expect(judgeRollout(slow, DEFAULT_THRESHOLDS, true).reasons[0]).toMatch(/^p99 eval latency/);
    const fastEnough = figures(side({ p: path(100, 0) }, 900_000), side({ p: path(100, 0) }, 100_000));
    expect(judgeRollout(fastEnough, DEFAULT_THRESHOLDS, true).verdict).toBe("promote");
    const callers = figures(side({ p: path(100, 0) }), side({ p: path(100, 0) }), [{ path: "p", caller: "svc" }]);
    expect(judgeRollout(callers, DEFAULT_THRESHOLDS, true).reasons[0]).toContain("svc on p");
    const noBaseline = figures(side({ p: path(100, 10) }), side({}), [{ path: "p", caller: "svc" }]);
    expect(judgeRollout(noBaseline, DEFAULT_THRESHOLDS, true).verdict).toBe("promote");
  });
});

describe("the sampled replay in the judgement", () => {
  const healthy = figures(side({ "a/allow": path(90, 10) }), side({ "a/allow": path(900, 100) }));
  const replay = (paths: RolloutReplay["paths"], errors: RolloutReplay["errors"] = []): RolloutReplay => ({
    at: "2026-12-07T10:00:00.000Z",
    stageIndex: 0,
    window: { from: "2026-12-07T09:00:00.000Z", to: "2026-12-07T10:00:00.000Z" },
    limit: 200,
    sampled: Object.values(paths).reduce((n, p) => n + p.sampled, 0),
    differing: Object.values(paths).reduce((n, p) => n + p.differing, 0),
    differenceRate: 0,
    truncated: false,
    paths,
    examples: [],
    errors,
    durationMs: 1,
  });

  it("holds (never aborts) when a path's inputs decide differently above the rate, and promotes at or below it", () => {
    const differs = replay({ "a/allow": { sampled: 20, differing: 2, differenceRate: 0.1 } });
    expect(judgeRollout(healthy, DEFAULT_THRESHOLDS, true, differs)).toMatchObject({ verdict: "hold" });
    expect(judgeRollout(healthy, DEFAULT_THRESHOLDS, true, differs).reasons[0]).toMatch(
      /^replay: 2 of 20 sampled inputs on a\/allow decide differently/,
    );
    const same = replay({ "a/allow": { sampled: 20, differing: 1, differenceRate: 0.05 } });
    expect(judgeRollout(healthy, DEFAULT_THRESHOLDS, true, same).verdict).toBe("promote");
    const lenient = { ...DEFAULT_THRESHOLDS, maxReplayDifferenceRate: 0.2 };
    expect(judgeRollout(healthy, lenient, true, differs).verdict).toBe("promote");
  });

  it("holds while a stage has no replay or the replay failed", () => {
    expect(judgeRollout(healthy, DEFAULT_THRESHOLDS, true, null).reasons).toEqual([
      "the replay of this stage has not been taken yet",
    ]);
    const failed = replay({}, [{ revision: "r2", message: "bad bundle" }]);
    expect(judgeRollout(healthy, DEFAULT_THRESHOLDS, true, failed).reasons[0]).toContain("could not evaluate r2");
    expect(judgeRollout(healthy, { ...DEFAULT_THRESHOLDS, replaySample: 0 }, true, null).verdict).toBe("promote");
  });

  it("is taken again for a new stage, while empty, after the interval, and once the stage has soaked", () => {
    const last = replay({ "a/allow": { sampled: 5, differing: 0, differenceRate: 0 } });
    const stage = { stageIndex: 0, stageStartedAt: new Date(last.window.from), minSoakSeconds: 7200 };
    const at = (iso: string) => new Date(iso);
    expect(replayDue(replay({}), stage, 300, at("2026-12-07T10:00:01Z"))).toBe(true);
    expect(replayDue(null, stage, 300, at("2026-12-07T10:01:00Z"))).toBe(true);
    expect(replayDue(last, stage, 300, at("2026-12-07T10:01:00Z"))).toBe(false);
    expect(replayDue(last, stage, 300, at("2026-12-07T10:05:00Z"))).toBe(true);
    expect(replayDue(last, { ...stage, stageIndex: 1 }, 300, at("2026-12-07T10:01:00Z"))).toBe(true);
    const soon = { ...stage, minSoakSeconds: 3630 };
    expect(replayDue(last, soon, 3600, at("2026-12-07T10:00:20Z"))).toBe(false);
    expect(replayDue(last, soon, 3600, at("2026-12-07T10:00:40Z"))).toBe(true);
  });
});

describe("stage membership by credential", () => {
  it("is stable, and a larger stage keeps every member of a smaller one", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    expect(ids.map(bucketOf)).toEqual(ids.map(bucketOf));
    const five = ids.filter((id) => inStage(id, 5));
    const quarter = ids.filter((id) => inStage(id, 25));
    expect(five.every((id) => inStage(id, 25))).toBe(true);
    expect(five.length).toBeGreaterThan(40);
    expect(five.length).toBeLessThan(170);
    expect(quarter.length).toBeGreaterThan(400);
    expect(ids.every((id) => inStage(id, 100))).toBe(true);
  });
});
