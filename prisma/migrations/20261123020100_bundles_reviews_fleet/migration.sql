-- CreateEnum
CREATE TYPE "SigningAlgorithm" AS ENUM ('RS256', 'ES256');

-- CreateEnum
CREATE TYPE "SigningKeyState" AS ENUM ('active', 'standby', 'retired');

-- CreateEnum
CREATE TYPE "ChangeRequestStatus" AS ENUM ('open', 'changes_requested', 'approved', 'published', 'closed');

-- CreateEnum
CREATE TYPE "ReviewVerdict" AS ENUM ('comment', 'approve', 'request_changes');

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "identity" TEXT NOT NULL,
    "identity_source" TEXT NOT NULL,
    "credential_id" UUID,
    "labels" JSONB NOT NULL,
    "opa_version" TEXT,
    "last_status" JSONB NOT NULL,
    "has_errors" BOOLEAN NOT NULL DEFAULT false,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_bundle_statuses" (
    "agent_id" UUID NOT NULL,
    "bundle_name" TEXT NOT NULL,
    "active_revision" TEXT,
    "last_successful_activation" TIMESTAMPTZ(3),
    "last_request" TIMESTAMPTZ(3),
    "code" TEXT,
    "message" TEXT,
    "http_code" INTEGER,
    "errors" JSONB,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_bundle_statuses_pkey" PRIMARY KEY ("agent_id","bundle_name")
);

-- CreateTable
CREATE TABLE "bundles" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "roots" TEXT[],
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bundles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bundle_policies" (
    "bundle_id" UUID NOT NULL,
    "policy_id" UUID NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bundle_policies_pkey" PRIMARY KEY ("bundle_id","policy_id")
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "id" UUID NOT NULL,
    "kid" TEXT NOT NULL,
    "algorithm" "SigningAlgorithm" NOT NULL,
    "public_key_pem" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "private_key_sealed" TEXT NOT NULL,
    "state" "SigningKeyState" NOT NULL DEFAULT 'standby',
    "imported" BOOLEAN NOT NULL DEFAULT false,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bundle_revisions" (
    "id" UUID NOT NULL,
    "bundle_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "revision" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "etag" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "manifest" JSONB NOT NULL,
    "files" JSONB NOT NULL,
    "signing_key_id" UUID NOT NULL,
    "signature_jws" TEXT NOT NULL,
    "change_request_id" UUID,
    "rollback_of_id" UUID,
    "reason" TEXT,
    "test_override" TEXT,
    "approved_by_id" UUID,
    "published_by_id" UUID NOT NULL,
    "published_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bundle_revisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bundle_revision_policies" (
    "revision_id" UUID NOT NULL,
    "policy_id" UUID NOT NULL,
    "policy_version_id" UUID NOT NULL,

    CONSTRAINT "bundle_revision_policies_pkey" PRIMARY KEY ("revision_id","policy_id")
);

-- CreateTable
CREATE TABLE "change_requests" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" "ChangeRequestStatus" NOT NULL DEFAULT 'open',
    "content_hash" TEXT NOT NULL,
    "author_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "published_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "change_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_request_items" (
    "id" UUID NOT NULL,
    "change_request_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "policy_id" UUID,
    "policy_version_id" UUID,

    CONSTRAINT "change_request_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_request_reviews" (
    "id" UUID NOT NULL,
    "change_request_id" UUID NOT NULL,
    "reviewer_id" UUID NOT NULL,
    "verdict" "ReviewVerdict" NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "voided_at" TIMESTAMPTZ(3),

    CONSTRAINT "change_request_reviews_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "agents_identity_key" ON "agents"("identity");

-- CreateIndex
CREATE INDEX "agents_last_seen_at_idx" ON "agents"("last_seen_at");

-- CreateIndex
CREATE INDEX "agent_bundle_statuses_bundle_name_active_revision_idx" ON "agent_bundle_statuses"("bundle_name", "active_revision");

-- CreateIndex
CREATE UNIQUE INDEX "bundles_name_key" ON "bundles"("name");

-- CreateIndex
CREATE UNIQUE INDEX "bundle_policies_policy_id_key" ON "bundle_policies"("policy_id");

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_kid_key" ON "signing_keys"("kid");

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_fingerprint_key" ON "signing_keys"("fingerprint");

-- CreateIndex
CREATE INDEX "bundle_revisions_change_request_id_idx" ON "bundle_revisions"("change_request_id");

-- CreateIndex
CREATE UNIQUE INDEX "bundle_revisions_bundle_id_number_key" ON "bundle_revisions"("bundle_id", "number");

-- CreateIndex
CREATE INDEX "bundle_revision_policies_policy_version_id_idx" ON "bundle_revision_policies"("policy_version_id");

-- CreateIndex
CREATE UNIQUE INDEX "change_requests_number_key" ON "change_requests"("number");

-- CreateIndex
CREATE INDEX "change_requests_status_updated_at_idx" ON "change_requests"("status", "updated_at");

-- CreateIndex
CREATE INDEX "change_requests_author_id_idx" ON "change_requests"("author_id");

-- CreateIndex
CREATE INDEX "change_request_items_policy_version_id_idx" ON "change_request_items"("policy_version_id");

-- CreateIndex
CREATE UNIQUE INDEX "change_request_items_change_request_id_policy_id_key" ON "change_request_items"("change_request_id", "policy_id");

-- CreateIndex
CREATE INDEX "change_request_reviews_change_request_id_created_at_idx" ON "change_request_reviews"("change_request_id", "created_at");

-- CreateIndex
CREATE INDEX "change_request_reviews_reviewer_id_idx" ON "change_request_reviews"("reviewer_id");

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_credential_id_fkey" FOREIGN KEY ("credential_id") REFERENCES "agent_credentials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_bundle_statuses" ADD CONSTRAINT "agent_bundle_statuses_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundles" ADD CONSTRAINT "bundles_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_policies" ADD CONSTRAINT "bundle_policies_bundle_id_fkey" FOREIGN KEY ("bundle_id") REFERENCES "bundles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_policies" ADD CONSTRAINT "bundle_policies_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "policies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revisions" ADD CONSTRAINT "bundle_revisions_bundle_id_fkey" FOREIGN KEY ("bundle_id") REFERENCES "bundles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revisions" ADD CONSTRAINT "bundle_revisions_signing_key_id_fkey" FOREIGN KEY ("signing_key_id") REFERENCES "signing_keys"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revisions" ADD CONSTRAINT "bundle_revisions_change_request_id_fkey" FOREIGN KEY ("change_request_id") REFERENCES "change_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revisions" ADD CONSTRAINT "bundle_revisions_rollback_of_id_fkey" FOREIGN KEY ("rollback_of_id") REFERENCES "bundle_revisions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revisions" ADD CONSTRAINT "bundle_revisions_approved_by_id_fkey" FOREIGN KEY ("approved_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revisions" ADD CONSTRAINT "bundle_revisions_published_by_id_fkey" FOREIGN KEY ("published_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revision_policies" ADD CONSTRAINT "bundle_revision_policies_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "bundle_revisions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bundle_revision_policies" ADD CONSTRAINT "bundle_revision_policies_policy_version_id_fkey" FOREIGN KEY ("policy_version_id") REFERENCES "policy_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_requests" ADD CONSTRAINT "change_requests_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_request_items" ADD CONSTRAINT "change_request_items_change_request_id_fkey" FOREIGN KEY ("change_request_id") REFERENCES "change_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_request_items" ADD CONSTRAINT "change_request_items_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "policies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_request_items" ADD CONSTRAINT "change_request_items_policy_version_id_fkey" FOREIGN KEY ("policy_version_id") REFERENCES "policy_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_request_reviews" ADD CONSTRAINT "change_request_reviews_change_request_id_fkey" FOREIGN KEY ("change_request_id") REFERENCES "change_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_request_reviews" ADD CONSTRAINT "change_request_reviews_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below: what the Prisma schema cannot express.

-- At most one signing key signs at a time.
CREATE UNIQUE INDEX "signing_keys_one_active" ON "signing_keys"("state") WHERE "state" = 'active';

-- Published revisions are evidence of what agents ran: never changed or removed.
CREATE TRIGGER bundle_revisions_immutable BEFORE UPDATE OR DELETE ON "bundle_revisions"
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_mutation();
CREATE TRIGGER bundle_revisions_no_truncate BEFORE TRUNCATE ON "bundle_revisions"
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_mutation();
CREATE TRIGGER bundle_revision_policies_immutable BEFORE UPDATE OR DELETE ON "bundle_revision_policies"
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_mutation();
