import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import type { SystemActor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { refreshServedRollout } from "@/lib/bundles/bundle-cache";
import { latestRevision } from "@/lib/publishing/write-revision";
import { judgeRollout, DEFAULT_THRESHOLDS, type Judgement } from "@/lib/rollouts/judge-rollout";
import { rolloutFigures, stageWindow, type RolloutFigures } from "@/lib/rollouts/rollout-figures";
import { stageMembers } from "@/lib/rollouts/rollout-members";
import { replayOfStage, stageReplay, type RolloutReplay } from "@/lib/rollouts/rollout-replay";
import { recordEvaluation } from "@/lib/rollouts/rollout-history";
import {
  abortInTransaction,
  advanceInTransaction,
  announceRollout,
  lockRollout,
  promoteInTransaction,
  selectorOf,
} from "@/lib/rollouts/rollout-transitions";
import { ZRolloutThresholds } from "@/lib/rollouts/schemas";

export type RolloutEvaluation = {
  rolloutId: string;
  /** What the judgement led to: a stage advanced, promoted to all, aborted, or held. */
  outcome: "advanced" | "promoted" | "aborted" | "held" | "not_running";
  judgement: Judgement | null;
  figures: RolloutFigures | null;
  stage: number | null;
  /** The sampled replay the judgement used (absent when nothing was judged). */
  replay?: RolloutReplay | null;
};

const EVALUATOR: SystemActor = { type: "system", label: "rollout evaluator" };

/**
 * One step of a running rollout: refresh the stage's members (agents that reported the selector
 * labels since), compare the canary's decisions with the baseline's in the stage's window, then
 * promote, hold or abort. A newer publish of the bundle supersedes the rollout (aborted, no alert
 * needed: the fleet follows the newer revision).
 */
export async function evaluateRollout(id: string, options: { now?: Date } = {}): Promise<RolloutEvaluation> {
  const now = options.now ?? new Date();
  const stored = await db.bundleRollout.findUnique({ where: { id }, select: { thresholds: true } });
  const replay = stored ? await stageReplay(id, thresholdsOf(stored), now) : null;
  let bundle: string | null = null;
  const result = await db.$transaction(
    async (tx): Promise<RolloutEvaluation> => {
      const r = await lockRollout(tx, id);
      if (!r) throw notFound("Rollout");
      bundle = r.bundle.name;
      const stage = r.stages[r.stageIndex]!;
      if (r.state !== "running")
        return { rolloutId: id, outcome: "not_running", judgement: null, figures: null, stage };
      const newest = await latestRevision(tx, r.bundle.id);
      if (newest && newest.id !== r.canaryRevision.id) {
        await tx.bundleRollout.update({
          where: { id },
          data: { state: "aborted", endedAt: now, endedReason: `superseded by ${newest.revision}` },
        });
        await recordAuditEvent(tx, {
          actor: EVALUATOR,
          action: "rollout.supersede",
          target: { type: "bundle_rollout", id },
          before: { state: "running" },
          after: { state: "aborted", bundle: r.bundle.name, supersededBy: newest.revision },
        });
        await announceRollout(tx, r.bundle.name);
        return { rolloutId: id, outcome: "aborted", judgement: null, figures: null, stage };
      }
      const members = await stageMembers(
        tx,
        { bundleName: r.bundle.name, selector: selectorOf(r), percent: stage },
        now,
      );
      if (members.join(",") !== r.canaryCredentialIds.join(",")) {
        await tx.bundleRollout.update({ where: { id }, data: { canaryCredentialIds: members } });
        await recordAuditEvent(tx, {
          actor: EVALUATOR,
          action: "rollout.members",
          target: { type: "bundle_rollout", id },
          before: { canaryAgents: r.canaryCredentialIds.length },
          after: { bundle: r.bundle.name, stage, canaryAgents: members.length },
        });
        await announceRollout(tx, r.bundle.name);
        r.canaryCredentialIds = members;
      }
      const thresholds = thresholdsOf(r);
      const figures = await rolloutFigures(tx, stageWindow(r, now));
      const soaked = now.getTime() - r.stageStartedAt.getTime() >= r.minSoakSeconds * 1000;
      const stageReplayed = thresholds.replaySample > 0 ? replayOfStage(replay, r) : undefined;
      const judgement = judgeRollout(figures, thresholds, soaked, stageReplayed);
      const evaluation = { at: now.toISOString(), stage, ...judgement, figures, replay: stageReplayed ?? null };
      const step = { actor: EVALUATOR, reason: judgement.reasons.join("; "), evaluation, now };
      const outcome: RolloutEvaluation["outcome"] =
        judgement.verdict === "abort"
          ? "aborted"
          : judgement.verdict === "hold"
            ? "held"
            : r.stageIndex + 1 < r.stages.length
              ? "advanced"
              : "promoted";
      await recordEvaluation(tx, {
        rolloutId: id,
        stageIndex: r.stageIndex,
        outcome,
        canaryAgents: r.canaryCredentialIds.length,
        evaluation,
      });
      if (judgement.verdict === "abort") {
        await abortInTransaction(tx, r, step);
        return { rolloutId: id, outcome: "aborted", judgement, figures, stage, replay: evaluation.replay };
      }
      if (judgement.verdict === "promote") {
        if (r.stageIndex + 1 < r.stages.length) {
          await advanceInTransaction(tx, r, step);
          return { rolloutId: id, outcome: "advanced", judgement, figures, stage, replay: evaluation.replay };
        }
        await promoteInTransaction(tx, r, step);
        return { rolloutId: id, outcome: "promoted", judgement, figures, stage, replay: evaluation.replay };
      }
      await tx.bundleRollout.update({ where: { id }, data: { lastEvaluation: evaluation as object } });
      return { rolloutId: id, outcome: "held", judgement, figures, stage, replay: evaluation.replay };
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
  if (bundle) await refreshServedRollout(bundle);
  return result;
}

function thresholdsOf(r: { thresholds: unknown }) {
  return { ...DEFAULT_THRESHOLDS, ...ZRolloutThresholds.partial().parse(r.thresholds ?? {}) };
}

/** Evaluates every running rollout once (the background tick). */
export async function evaluateRunningRollouts(now = new Date()): Promise<RolloutEvaluation[]> {
  const running = await db.bundleRollout.findMany({ where: { state: "running" }, select: { id: true } });
  const results: RolloutEvaluation[] = [];
  for (const r of running) results.push(await evaluateRollout(r.id, { now }));
  return results;
}
