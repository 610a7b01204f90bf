-- Every judgement of a rollout (the evaluator's ticks and manual evaluations), so the rollout page
-- can chart canary against baseline over time. The evaluation object is stored whole (JSON) so
-- figures added to the judgement later need no migration. Bounded per rollout by the writer.

CREATE TABLE "bundle_rollout_evaluations" (
    "id" BIGSERIAL NOT NULL,
    "rollout_id" UUID NOT NULL,
    "stage_index" INTEGER NOT NULL,
    "stage" INTEGER NOT NULL,
    "evaluated_at" TIMESTAMPTZ(3) NOT NULL,
    "verdict" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "canary_agents" INTEGER NOT NULL,
    "evaluation" JSONB NOT NULL,

    CONSTRAINT "bundle_rollout_evaluations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "bundle_rollout_evaluations_verdict_check" CHECK ("verdict" IN ('promote', 'hold', 'abort'))
);
CREATE INDEX "bundle_rollout_evaluations_rollout_id_evaluated_at_idx"
    ON "bundle_rollout_evaluations"("rollout_id", "evaluated_at");

ALTER TABLE "bundle_rollout_evaluations" ADD CONSTRAINT "bundle_rollout_evaluations_rollout_id_fkey"
    FOREIGN KEY ("rollout_id") REFERENCES "bundle_rollouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
