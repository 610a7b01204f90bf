-- CreateTable (PARTITION BY added by hand: see below)
CREATE TABLE "decisions" (
    "timestamp" TIMESTAMPTZ(6) NOT NULL,
    "decision_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "path" TEXT,
    "allowed" BOOLEAN,
    "caller" TEXT,
    "agent" TEXT NOT NULL,
    "credential_id" UUID,
    "revisions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "unpublished" BOOLEAN NOT NULL,
    "bundles" JSONB,
    "input" JSONB,
    "result" JSONB,
    "labels" JSONB NOT NULL,
    "metrics" JSONB,
    "extra" JSONB,

    CONSTRAINT "decisions_pkey" PRIMARY KEY ("timestamp","decision_id")
) PARTITION BY RANGE ("timestamp");

-- CreateIndex
CREATE INDEX "decisions_decision_id_idx" ON "decisions"("decision_id");

-- CreateIndex
CREATE INDEX "decisions_path_timestamp_idx" ON "decisions"("path", "timestamp");

-- Hand-written below: what the Prisma schema cannot express.

-- Decisions are range-partitioned by day (UTC) on "timestamp": a day's rows and indexes stay small,
-- and retention drops whole partitions instead of deleting rows. Partitions are named
-- decisions_pYYYYMMDD; the maintenance job creates them ahead of time and ingestion creates any
-- other day a batch touches (late or replayed events). A partition is created as a plain table and
-- then attached, because ATTACH PARTITION only takes a SHARE UPDATE EXCLUSIVE lock on the parent,
-- while CREATE TABLE … PARTITION OF would block every reader and writer of "decisions".
CREATE FUNCTION verdict_ensure_decision_partition(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'decisions_p' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(quote_ident(part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  PERFORM pg_advisory_xact_lock(7240006);
  IF to_regclass(quote_ident(part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE "decisions" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
  EXECUTE format(
    'ALTER TABLE "decisions" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
    part, day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00'
  );
  RETURN true;
END;
$$;

-- Caller filters are prefix matches on SPIFFE IDs (spiffe://prod/ns/billing/…): text_pattern_ops
-- lets LIKE 'prefix%' use the index whatever the database collation.
CREATE INDEX "decisions_caller_timestamp_idx" ON "decisions"("caller" text_pattern_ops, "timestamp");

-- Denials are the minority auditors look at most: a partial index keeps "denied only" and
-- "top denied callers" (index-only, filterable by path and agent) fast without indexing every
-- allowed row.
CREATE INDEX "decisions_denied_timestamp_idx" ON "decisions"("timestamp") INCLUDE ("caller", "path", "agent") WHERE "allowed" = false;

-- Hourly counts per (path, agent, revisions, outcome), kept exactly in step with "decisions" by
-- the ingestion statement itself (only rows actually inserted are counted, so retried uploads do
-- not count twice). The chart, the totals and the top-paths view read these instead of scanning
-- millions of rows; the time span of a revision is found here too. Not a Prisma model: only
-- raw SQL reads or writes it.
CREATE TABLE "decision_rollups" (
    "bucket" TIMESTAMPTZ(6) NOT NULL,
    "path" TEXT NOT NULL,
    "agent" TEXT NOT NULL,
    "revisions" TEXT[] NOT NULL,
    "outcome" TEXT NOT NULL,
    "unpublished" BOOLEAN NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "decision_rollups_pkey" PRIMARY KEY ("bucket", "path", "agent", "revisions", "outcome", "unpublished")
);

-- Today and the next two days exist from the start.
SELECT verdict_ensure_decision_partition((now() AT TIME ZONE 'UTC')::date + d) FROM generate_series(0, 2) AS d;
