-- CreateTable
CREATE TABLE "services" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "trust_domain" TEXT NOT NULL,
    "owner_team" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "services_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_endpoints" (
    "id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "method" TEXT NOT NULL,
    "path_pattern" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "allowlist_entries" (
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "caller_id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "cross_trust_domain" BOOLEAN NOT NULL DEFAULT false,
    "created_by_id" UUID NOT NULL,
    "approved_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "allowlist_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "services_name_key" ON "services"("name");

-- CreateIndex
CREATE UNIQUE INDEX "service_endpoints_service_id_method_path_pattern_key" ON "service_endpoints"("service_id", "method", "path_pattern");

-- CreateIndex
CREATE INDEX "allowlist_entries_caller_id_idx" ON "allowlist_entries"("caller_id");

-- CreateIndex
CREATE INDEX "allowlist_entries_expires_at_idx" ON "allowlist_entries"("expires_at");

-- CreateIndex
CREATE INDEX "allowlist_entries_created_by_id_idx" ON "allowlist_entries"("created_by_id");

-- CreateIndex
CREATE INDEX "allowlist_entries_approved_by_id_idx" ON "allowlist_entries"("approved_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "allowlist_entries_endpoint_id_caller_id_key" ON "allowlist_entries"("endpoint_id", "caller_id");

-- AddForeignKey
ALTER TABLE "service_endpoints" ADD CONSTRAINT "service_endpoints_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allowlist_entries" ADD CONSTRAINT "allowlist_entries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "service_endpoints"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allowlist_entries" ADD CONSTRAINT "allowlist_entries_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allowlist_entries" ADD CONSTRAINT "allowlist_entries_approved_by_id_fkey" FOREIGN KEY ("approved_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below: what the Prisma schema cannot express.

-- "Search by SPIFFE ID prefix" runs `caller_id LIKE 'spiffe://prod/ns/%'`; text_pattern_ops
-- lets a B-tree serve that prefix scan whatever the database collation is.
CREATE INDEX "allowlist_entries_caller_id_pattern_idx" ON "allowlist_entries"("caller_id" text_pattern_ops);
