-- Distribution targets: OCI registries and S3-compatible buckets a bundle's signed tarball is
-- copied to, and the state of each revision's copy on each target.

CREATE TYPE "DistributionTargetKind" AS ENUM ('oci', 's3');

CREATE TYPE "DistributionState" AS ENUM ('pending', 'stored', 'failed', 'tampered', 'superseded');

CREATE TABLE "distribution_targets" (
    "id" UUID NOT NULL,
    "bundle_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "DistributionTargetKind" NOT NULL,
    "url" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "region" TEXT,
    "auth" TEXT NOT NULL,
    "credentials_sealed" TEXT,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "distribution_targets_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "distribution_targets_bundle_id_name_key" ON "distribution_targets"("bundle_id", "name");

ALTER TABLE "distribution_targets" ADD CONSTRAINT "distribution_targets_bundle_id_fkey" FOREIGN KEY ("bundle_id") REFERENCES "bundles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "distribution_targets" ADD CONSTRAINT "distribution_targets_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "distribution_uploads" (
    "target_id" UUID NOT NULL,
    "revision_id" UUID NOT NULL,
    "state" "DistributionState" NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "manifest_digest" TEXT,
    "stored_at" TIMESTAMPTZ(3),
    "checked_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "distribution_uploads_pkey" PRIMARY KEY ("target_id", "revision_id")
);

CREATE INDEX "distribution_uploads_revision_id_idx" ON "distribution_uploads"("revision_id");
CREATE INDEX "distribution_uploads_state_next_attempt_at_idx" ON "distribution_uploads"("state", "next_attempt_at");

ALTER TABLE "distribution_uploads" ADD CONSTRAINT "distribution_uploads_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "distribution_targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "distribution_uploads" ADD CONSTRAINT "distribution_uploads_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "bundle_revisions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
