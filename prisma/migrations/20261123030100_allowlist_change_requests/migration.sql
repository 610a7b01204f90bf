-- AlterTable
ALTER TABLE "change_request_items" ADD COLUMN     "allowlist_change_set_id" UUID;

-- CreateTable
CREATE TABLE "allowlist_change_sets" (
    "id" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "sha256" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "allowlist_change_sets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "allowlist_publications" (
    "revision_id" UUID NOT NULL,
    "bundle_id" UUID NOT NULL,
    "grants" INTEGER NOT NULL,
    "next_expiry_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "allowlist_publications_pkey" PRIMARY KEY ("revision_id")
);

-- CreateIndex
CREATE INDEX "allowlist_change_sets_created_by_id_idx" ON "allowlist_change_sets"("created_by_id");

-- CreateIndex
CREATE INDEX "allowlist_publications_bundle_id_created_at_idx" ON "allowlist_publications"("bundle_id", "created_at");

-- AddForeignKey
ALTER TABLE "change_request_items" ADD CONSTRAINT "change_request_items_allowlist_change_set_id_fkey" FOREIGN KEY ("allowlist_change_set_id") REFERENCES "allowlist_change_sets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allowlist_change_sets" ADD CONSTRAINT "allowlist_change_sets_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allowlist_publications" ADD CONSTRAINT "allowlist_publications_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "bundle_revisions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below: what the Prisma schema cannot express.

-- A proposed change is immutable once stored: approvals are bound to its hash.
CREATE TRIGGER allowlist_change_sets_immutable BEFORE UPDATE OR DELETE ON "allowlist_change_sets"
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_mutation();
