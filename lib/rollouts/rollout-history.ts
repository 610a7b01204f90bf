import { db, type Tx } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";

/** Judgements kept per rollout: at one per 15 s tick, the newest 8 h and 20 min of a held stage. */
export const HISTORY_KEPT = 2_000;

export type StoredEvaluation = {
  at: string;
  stage: number;
  verdict: "promote" | "hold" | "abort";
  reasons: string[];
  [more: string]: unknown;
};

export type RolloutHistoryPoint = {
  evaluatedAt: string;
  stageIndex: number;
  stage: number;
  verdict: "promote" | "hold" | "abort";
  outcome: string;
  canaryAgents: number;
  /** The evaluation object whole, as the evaluator stored it (figures and whatever the judgement adds). */
  evaluation: StoredEvaluation;
};

/** Appends one judgement to the rollout's history and drops what falls past the newest HISTORY_KEPT. */
export async function recordEvaluation(
  tx: Tx,
  input: {
    rolloutId: string;
    stageIndex: number;
    outcome: "advanced" | "promoted" | "aborted" | "held";
    canaryAgents: number;
    evaluation: StoredEvaluation;
  },
): Promise<void> {
  const { evaluation } = input;
  await tx.bundleRolloutEvaluation.create({
    data: {
      rolloutId: input.rolloutId,
      stageIndex: input.stageIndex,
      stage: evaluation.stage,
      evaluatedAt: new Date(evaluation.at),
      verdict: evaluation.verdict,
      outcome: input.outcome,
      canaryAgents: input.canaryAgents,
      evaluation: evaluation as object,
    },
  });
  await tx.$executeRaw`
    DELETE FROM bundle_rollout_evaluations WHERE rollout_id = ${input.rolloutId}::uuid AND id IN (
      SELECT id FROM bundle_rollout_evaluations WHERE rollout_id = ${input.rolloutId}::uuid
      ORDER BY evaluated_at DESC, id DESC OFFSET ${HISTORY_KEPT})`;
}

/** The rollout's judgements, oldest first (the newest HISTORY_KEPT). */
export async function rolloutHistory(options: {
  actor: Actor;
  name: string;
  id: string;
}): Promise<{ evaluations: RolloutHistoryPoint[] }> {
  requirePermission(options.actor, "bundle:read");
  const rollout = await db.bundleRollout.findFirst({
    where: { id: options.id, bundle: { name: options.name } },
    select: { id: true },
  });
  if (!rollout) throw notFound("Rollout");
  const rows = await db.bundleRolloutEvaluation.findMany({
    where: { rolloutId: rollout.id },
    orderBy: [{ evaluatedAt: "asc" }, { id: "asc" }],
    take: HISTORY_KEPT,
  });
  return {
    evaluations: rows.map((r) => ({
      evaluatedAt: r.evaluatedAt.toISOString(),
      stageIndex: r.stageIndex,
      stage: r.stage,
      verdict: r.verdict as RolloutHistoryPoint["verdict"],
      outcome: r.outcome,
      canaryAgents: r.canaryAgents,
      evaluation: r.evaluation as StoredEvaluation,
    })),
  };
}
