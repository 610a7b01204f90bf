-- Outgoing alert webhooks, the conditions that fired, and every delivery attempt's outcome.

CREATE TYPE "AlertFormat" AS ENUM ('json', 'slack');
CREATE TYPE "AlertDeliveryState" AS ENUM ('pending', 'delivered', 'failed');

CREATE TABLE "alert_webhooks" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    -- The URL can carry a credential (Slack's does), so it is sealed like the signing secret;
    -- "url_display" is its origin and a masked path, for the console.
    "url_sealed" TEXT NOT NULL,
    "url_display" TEXT NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "format" "AlertFormat" NOT NULL,
    "kinds" TEXT[] NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "alert_webhooks_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_webhooks_name_key" ON "alert_webhooks"("name");
ALTER TABLE "alert_webhooks" ADD CONSTRAINT "alert_webhooks_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A condition that is firing (resolved_at null) or has fired: one row per (kind, key), so a
-- condition that stays true is delivered once, and again only after it cleared.
CREATE TABLE "alert_firings" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "fired_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_firings_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_firings_active_key" ON "alert_firings"("kind", "key") WHERE "resolved_at" IS NULL;
CREATE INDEX "alert_firings_fired_at_idx" ON "alert_firings"("fired_at");

CREATE TABLE "alert_deliveries" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "firing_id" UUID,
    "kind" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "state" "AlertDeliveryState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_deliveries_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_deliveries_due_idx" ON "alert_deliveries"("next_attempt_at") WHERE "state" = 'pending';
CREATE INDEX "alert_deliveries_webhook_created_idx" ON "alert_deliveries"("webhook_id", "created_at");
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "alert_webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_firing_id_fkey" FOREIGN KEY ("firing_id") REFERENCES "alert_firings"("id") ON DELETE SET NULL ON UPDATE CASCADE;
