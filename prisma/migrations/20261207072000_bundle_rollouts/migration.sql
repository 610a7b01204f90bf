-- Staged rollouts of a bundle from a baseline revision to a canary revision (lib/rollouts/).
CREATE TYPE "RolloutState" AS ENUM ('running', 'promoted', 'aborted');

CREATE TABLE "bundle_rollouts" (
    "id" UUID NOT NULL,
    "bundle_id" UUID NOT NULL,
    "baseline_revision_id" UUID NOT NULL,
    "canary_revision_id" UUID NOT NULL,
    "state" "RolloutState" NOT NULL DEFAULT 'running',
    "selector" JSONB,
    "stages" INTEGER[],
    "stage_index" INTEGER NOT NULL DEFAULT 0,
    "stage_started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "min_soak_seconds" INTEGER NOT NULL,
    "thresholds" JSONB NOT NULL,
    "canary_credential_ids" TEXT[],
    "last_evaluation" JSONB,
    "ended_reason" TEXT,
    "started_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "bundle_rollouts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "bundle_rollouts_bundle_id_created_at_idx" ON "bundle_rollouts"("bundle_id", "created_at");
CREATE INDEX "bundle_rollouts_state_idx" ON "bundle_rollouts"("state");
ALTER TABLE "bundle_rollouts" ADD CONSTRAINT "bundle_rollouts_bundle_id_fkey" FOREIGN KEY ("bundle_id") REFERENCES "bundles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "bundle_rollouts" ADD CONSTRAINT "bundle_rollouts_baseline_revision_id_fkey" FOREIGN KEY ("baseline_revision_id") REFERENCES "bundle_revisions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "bundle_rollouts" ADD CONSTRAINT "bundle_rollouts_canary_revision_id_fkey" FOREIGN KEY ("canary_revision_id") REFERENCES "bundle_revisions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "bundle_rollouts" ADD CONSTRAINT "bundle_rollouts_started_by_id_fkey" FOREIGN KEY ("started_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
