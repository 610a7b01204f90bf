-- Red-team runs of a change request: generated adversarial inputs against its proposed policies.
-- "content_hash" is the change request's content when it ran, so a run of older content does
-- not gate (or pass) what the change request holds now.
CREATE TABLE "red_team_runs" (
    "id" UUID NOT NULL,
    "change_request_id" UUID NOT NULL,
    "content_hash" TEXT NOT NULL,
    "run_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "passed" BOOLEAN NOT NULL,
    "probes" INTEGER NOT NULL,
    "findings" JSONB NOT NULL,
    "errors" JSONB NOT NULL,
    "duration_ms" INTEGER NOT NULL,

    CONSTRAINT "red_team_runs_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "red_team_runs_change_request_id_created_at_idx" ON "red_team_runs"("change_request_id", "created_at");
ALTER TABLE "red_team_runs" ADD CONSTRAINT "red_team_runs_change_request_id_fkey" FOREIGN KEY ("change_request_id") REFERENCES "change_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "red_team_runs" ADD CONSTRAINT "red_team_runs_run_by_id_fkey" FOREIGN KEY ("run_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
