-- CreateEnum
CREATE TYPE "TestRunStatus" AS ENUM ('passed', 'failed', 'error');

-- AlterTable
ALTER TABLE "policy_versions" ADD COLUMN     "test_cases" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "test_source" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "tests_sha256" TEXT NOT NULL DEFAULT 'd60d14fa6cbce6055d0a1f7bea84d0504be335dc785221a0d39ee10c2bfdd8d0';

-- CreateTable
CREATE TABLE "test_runs" (
    "id" UUID NOT NULL,
    "policy_id" UUID NOT NULL,
    "policy_version_id" UUID,
    "version_number" INTEGER,
    "based_on_version" INTEGER,
    "inline" BOOLEAN NOT NULL,
    "source_sha256" TEXT NOT NULL,
    "tests_sha256" TEXT NOT NULL,
    "status" "TestRunStatus" NOT NULL,
    "total" INTEGER NOT NULL,
    "passed" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "errored" INTEGER NOT NULL,
    "skipped" INTEGER NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "timeout_ms" INTEGER NOT NULL,
    "opa_version" TEXT NOT NULL,
    "context" JSONB NOT NULL,
    "results" JSONB NOT NULL,
    "coverage" JSONB,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "test_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "test_runs_policy_id_created_at_id_idx" ON "test_runs"("policy_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "test_runs_policy_id_source_sha256_tests_sha256_created_at_idx" ON "test_runs"("policy_id", "source_sha256", "tests_sha256", "created_at");

-- CreateIndex
CREATE INDEX "test_runs_policy_version_id_idx" ON "test_runs"("policy_version_id");

-- CreateIndex
CREATE INDEX "test_runs_created_by_id_idx" ON "test_runs"("created_by_id");

-- AddForeignKey
ALTER TABLE "test_runs" ADD CONSTRAINT "test_runs_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "policies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "test_runs" ADD CONSTRAINT "test_runs_policy_version_id_fkey" FOREIGN KEY ("policy_version_id") REFERENCES "policy_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "test_runs" ADD CONSTRAINT "test_runs_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below: what the Prisma schema cannot express.

-- A test run is evidence a reviewer relies on: never changed or removed once stored.
CREATE TRIGGER test_runs_immutable BEFORE UPDATE OR DELETE ON "test_runs"
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_mutation();
CREATE TRIGGER test_runs_no_truncate BEFORE TRUNCATE ON "test_runs"
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_mutation();
