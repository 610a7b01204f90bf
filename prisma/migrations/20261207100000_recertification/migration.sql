-- Recertification campaigns over allowlist grants, their items with evidence from the decision
-- log, and in-app notices for grant owners.

CREATE TYPE "RecertificationStatus" AS ENUM ('open', 'closed');
CREATE TYPE "RecertificationDecision" AS ENUM ('keep', 'narrow', 'revoke');

CREATE TABLE "recertification_campaigns" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "scope" JSONB NOT NULL,
    "unused_days" INTEGER NOT NULL,
    "evidence_from" TIMESTAMPTZ(3) NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "RecertificationStatus" NOT NULL DEFAULT 'open',
    "started_by_id" UUID NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_by_id" UUID,
    "closed_at" TIMESTAMPTZ(3),
    "last_reminder_at" TIMESTAMPTZ(3),

    CONSTRAINT "recertification_campaigns_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "recertification_campaigns_number_key" ON "recertification_campaigns"("number");
CREATE INDEX "recertification_campaigns_status_due_at_idx" ON "recertification_campaigns"("status", "due_at");

CREATE TABLE "recertification_items" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "entry_id" UUID NOT NULL,
    "service" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "caller" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "cross_trust_domain" BOOLEAN NOT NULL,
    "classification" TEXT NOT NULL,
    "last_used_at" TIMESTAMPTZ(6),
    "request_count" BIGINT NOT NULL,
    "endpoint_count" INTEGER NOT NULL,
    "endpoints" JSONB NOT NULL,
    "narrow_to" JSONB,
    "suggestion" "RecertificationDecision" NOT NULL,
    "decision" "RecertificationDecision",
    "decided_by_id" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "note" TEXT NOT NULL DEFAULT '',
    "change_request_number" INTEGER,

    CONSTRAINT "recertification_items_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recertification_items_classification_check" CHECK ("classification" IN ('used', 'unused', 'over_wide'))
);
CREATE UNIQUE INDEX "recertification_items_campaign_id_entry_id_key" ON "recertification_items"("campaign_id", "entry_id");
CREATE INDEX "recertification_items_owner_campaign_id_idx" ON "recertification_items"("owner", "campaign_id");
ALTER TABLE "recertification_items" ADD CONSTRAINT "recertification_items_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "recertification_campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "notices" (
    "id" UUID NOT NULL,
    "recipient" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "link" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "read_at" TIMESTAMPTZ(3),

    CONSTRAINT "notices_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "notices_recipient_created_at_idx" ON "notices"("recipient", "created_at");

-- Observed use of grants is read from the decision log by caller over a time window; the
-- existing (caller text_pattern_ops, timestamp) index serves both exact callers and SPIFFE prefixes.
