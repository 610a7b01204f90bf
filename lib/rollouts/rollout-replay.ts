import { db } from "@/lib/core/db";
import { canonicalJson } from "@/lib/core/canonical-json";
import { replayInputsAgainstBundle, type ReplayedValue } from "@/lib/decisions/replay-inputs";
import { inWindow, sideOf, stageWindow, type Window } from "@/lib/rollouts/rollout-figures";
import type { TRolloutThresholds } from "@/lib/rollouts/schemas";

/** One path's share of the replayed sample. */
export type ReplayPathFigures = { sampled: number; differing: number; differenceRate: number };

export type ReplayExample = {
  path: string;
  decisionId: string;
  /** Whose decision the input was taken from. */
  side: "canary" | "baseline";
  canary: ReplayedValue;
  baseline: ReplayedValue;
};

/**
 * A sample of the window's distinct inputs evaluated against both revisions' bundles: how often
 * the two revisions decide the same input differently. Kept on the evaluation (`replay`) and
 * reused until it is due again (see replayDue).
 */
export type RolloutReplay = {
  at: string;
  stageIndex: number;
  window: { from: string; to: string };
  /** The sample bound (threshold replaySample). */
  limit: number;
  sampled: number;
  differing: number;
  differenceRate: number;
  /** The window had more distinct inputs than the sample took. */
  truncated: boolean;
  paths: Record<string, ReplayPathFigures>;
  examples: ReplayExample[];
  /** opa's errors when a revision could not be evaluated (then nothing was compared). */
  errors: Array<{ revision: string; message: string }>;
  durationMs: number;
};

const EXAMPLES = 5;
// Rows read newest first before the inputs are made distinct: bounds the scan whatever the traffic.
const ROWS_PER_SAMPLED_INPUT = 10;
// Per revision: the evaluator loop waits for the replay, so a pathological policy fails the replay (a hold) instead.
const OPA_TIMEOUT_MS = 10_000;

type Revision = { id: string; revision: string };

/**
 * Replays a bounded sample of the stage window's distinct inputs (canary and baseline decisions
 * on paths under the bundle's roots) against both revisions' published bundles: one opa process
 * per revision, every input in it.
 */
export async function replayRolloutSample(input: {
  window: Window;
  stageIndex: number;
  roots: string[];
  canary: Revision;
  baseline: Revision;
  sample: number;
  now: Date;
}): Promise<RolloutReplay> {
  const { window: w, sample } = input;
  const base = {
    at: input.now.toISOString(),
    stageIndex: input.stageIndex,
    window: { from: w.from.toISOString(), to: w.to.toISOString() },
    limit: sample,
  };
  const prefixes = input.roots.map((r) => `${r.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`);
  const rows =
    sample === 0 || prefixes.length === 0
      ? []
      : await db.$queryRaw<
          Array<{ side: "canary" | "baseline"; path: string; decision_id: string; input: unknown; has_input: boolean }>
        >`
    WITH recent AS (
      SELECT ${sideOf(w)} AS side, path, decision_id, input, "timestamp"
        FROM decisions
       WHERE ${inWindow(w)} AND path LIKE ANY(${prefixes}::text[])
       ORDER BY "timestamp" DESC LIMIT ${sample * ROWS_PER_SAMPLED_INPUT}),
    distinct_inputs AS (
      SELECT DISTINCT ON (path, input) side, path, decision_id, input
        FROM recent WHERE side IS NOT NULL ORDER BY path, input, "timestamp" DESC)
    SELECT side, path, decision_id, input, input IS NOT NULL AS has_input FROM distinct_inputs
     ORDER BY md5(path || coalesce(input::text, '')) LIMIT ${sample + 1}`;
  const truncated = rows.length > sample;
  const cases = rows.slice(0, sample);
  const harnessCases = cases.map((c) => ({ path: c.path, input: c.input, hasInput: c.has_input }));
  const [canaryBundle, baselineBundle] = await Promise.all(
    [input.canary, input.baseline].map(async (r) =>
      cases.length === 0
        ? null
        : (await db.bundleRevision.findUniqueOrThrow({ where: { id: r.id }, select: { bytes: true } })).bytes,
    ),
  );
  // Nothing compared: no input in the window, or a revision opa could not evaluate.
  const nothingCompared = (errors: RolloutReplay["errors"], durationMs: number): RolloutReplay => ({
    ...base,
    sampled: 0,
    differing: 0,
    differenceRate: 0,
    truncated,
    paths: {},
    examples: [],
    errors,
    durationMs,
  });
  if (cases.length === 0) return nothingCompared([], 0);
  // Sequential: two opa processes at once would compete for the same cores as the agents' plane.
  const canary = await replayInputsAgainstBundle(Buffer.from(canaryBundle!), harnessCases, {
    timeoutMs: OPA_TIMEOUT_MS,
  });
  const baseline = await replayInputsAgainstBundle(Buffer.from(baselineBundle!), harnessCases, {
    timeoutMs: OPA_TIMEOUT_MS,
  });
  const durationMs = canary.durationMs + baseline.durationMs;
  if (!canary.ok || !baseline.ok) {
    const errors = [
      ...(canary.ok ? [] : canary.errors.map((e) => ({ revision: input.canary.revision, message: e.message }))),
      ...(baseline.ok ? [] : baseline.errors.map((e) => ({ revision: input.baseline.revision, message: e.message }))),
    ];
    return nothingCompared(errors, durationMs);
  }
  const paths: Record<string, ReplayPathFigures> = {};
  const examples: ReplayExample[] = [];
  let differing = 0;
  for (const [i, c] of cases.entries()) {
    const b = canary.values[i]!;
    const a = baseline.values[i]!;
    const p = (paths[c.path] ??= { sampled: 0, differing: 0, differenceRate: 0 });
    p.sampled += 1;
    if (a.defined === b.defined && (!a.defined || canonicalJson(a.result) === canonicalJson(b.result))) continue;
    p.differing += 1;
    differing += 1;
    if (examples.length < EXAMPLES)
      examples.push({ path: c.path, decisionId: c.decision_id, side: c.side, canary: b, baseline: a });
  }
  for (const p of Object.values(paths)) p.differenceRate = p.differing / p.sampled;
  return {
    ...base,
    sampled: cases.length,
    differing,
    differenceRate: differing / cases.length,
    truncated,
    paths,
    examples,
    errors: [],
    durationMs,
  };
}

/**
 * Whether the stage needs a new replay, given the last one kept on the rollout: none yet for this
 * stage, the last one older than the interval, or the stage has soaked since the last one (so the
 * replay a promotion relies on covers the whole soaked window).
 */
export function replayDue(
  last: RolloutReplay | null,
  r: { stageIndex: number; stageStartedAt: Date; minSoakSeconds: number },
  intervalSeconds: number,
  now: Date,
): boolean {
  if (!last || last.stageIndex !== r.stageIndex || Date.parse(last.window.from) !== r.stageStartedAt.getTime())
    return true;
  // An empty sample costs one query and no opa: take it again until the window has inputs (or works).
  if (last.sampled === 0 || last.errors.length > 0) return true;
  const at = Date.parse(last.at);
  const soakedAt = r.stageStartedAt.getTime() + r.minSoakSeconds * 1000;
  return now.getTime() - at >= intervalSeconds * 1000 || (at < soakedAt && now.getTime() >= soakedAt);
}

/** The replay kept on a rollout's last evaluation, if any. */
export function lastReplayOf(lastEvaluation: unknown): RolloutReplay | null {
  const replay = (lastEvaluation as { replay?: unknown } | null)?.replay;
  return replay && typeof replay === "object" && "at" in replay ? (replay as RolloutReplay) : null;
}

/**
 * The replay an evaluation of this rollout judges with: the one kept on its last evaluation while
 * it is not due, else a new one. Runs before the evaluation's transaction, so the row lock is never
 * held while opa runs. Null when the rollout does not run or replays nothing.
 */
export async function stageReplay(
  id: string,
  thresholds: TRolloutThresholds,
  now: Date,
): Promise<RolloutReplay | null> {
  if (thresholds.replaySample === 0) return null;
  const r = await db.bundleRollout.findUnique({
    where: { id },
    select: {
      state: true,
      stageIndex: true,
      stageStartedAt: true,
      minSoakSeconds: true,
      canaryCredentialIds: true,
      lastEvaluation: true,
      bundle: { select: { name: true, roots: true } },
      canaryRevision: { select: { id: true, revision: true } },
      baselineRevision: { select: { id: true, revision: true } },
    },
  });
  if (r?.state !== "running") return null;
  const last = lastReplayOf(r.lastEvaluation);
  if (!replayDue(last, r, thresholds.replayIntervalSeconds, now)) return last;
  const input = {
    window: stageWindow(r, now),
    stageIndex: r.stageIndex,
    roots: r.bundle.roots,
    canary: r.canaryRevision,
    baseline: r.baselineRevision,
    sample: thresholds.replaySample,
    now,
  };
  try {
    return await replayRolloutSample(input);
  } catch (error) {
    // The decision figures can still abort; the replay's failure only holds (and is retried).
    const message = error instanceof Error ? error.message : String(error);
    return {
      at: now.toISOString(),
      stageIndex: r.stageIndex,
      window: { from: r.stageStartedAt.toISOString(), to: now.toISOString() },
      limit: thresholds.replaySample,
      sampled: 0,
      differing: 0,
      differenceRate: 0,
      truncated: false,
      paths: {},
      examples: [],
      errors: [{ revision: r.canaryRevision.revision, message }],
      durationMs: 0,
    };
  }
}

/** The replay belongs to the stage being judged (not to one that ended meanwhile). */
export function replayOfStage(replay: RolloutReplay | null, r: { stageIndex: number; stageStartedAt: Date }) {
  return replay && replay.stageIndex === r.stageIndex && Date.parse(replay.window.from) === r.stageStartedAt.getTime()
    ? replay
    : null;
}
