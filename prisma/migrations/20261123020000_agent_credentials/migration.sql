-- CreateEnum
CREATE TYPE "AgentCredentialKind" AS ENUM ('bearer', 'oauth2');

-- CreateTable
CREATE TABLE "agent_credentials" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AgentCredentialKind" NOT NULL,
    "client_id" TEXT,
    "secret_hash" TEXT NOT NULL,
    "secret_prefix" TEXT NOT NULL,
    "bundles" TEXT[],
    "may_report_status" BOOLEAN NOT NULL DEFAULT true,
    "may_upload_logs" BOOLEAN NOT NULL DEFAULT false,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_token_keys" (
    "kid" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "private_key_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "agent_token_keys_pkey" PRIMARY KEY ("kid")
);

-- CreateIndex
CREATE UNIQUE INDEX "agent_credentials_client_id_key" ON "agent_credentials"("client_id");

-- CreateIndex
CREATE UNIQUE INDEX "agent_credentials_secret_hash_key" ON "agent_credentials"("secret_hash");

-- CreateIndex
CREATE INDEX "agent_credentials_created_at_idx" ON "agent_credentials"("created_at");

-- CreateIndex
CREATE INDEX "agent_token_keys_created_at_idx" ON "agent_token_keys"("created_at");

-- AddForeignKey
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
