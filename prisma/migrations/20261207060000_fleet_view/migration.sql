-- The fleet view over 10,000 agents: indexes for its filters, and an archive for agents silent
-- longer than the retention window, so the hot table holds the live fleet only.

-- Pages are keyset-ordered by identity (the existing unique index); each filter has an index
-- that yields its agents in that order or picks them out cheaply.
CREATE INDEX "agents_failing_identity_idx" ON "agents"("identity") WHERE "has_errors";
CREATE INDEX "agents_credential_id_identity_idx" ON "agents"("credential_id", "identity");
CREATE INDEX "agents_labels_idx" ON "agents" USING GIN ("labels" jsonb_path_ops);

-- An archived agent: its last row from "agents" and its bundle statuses as JSON.
CREATE TABLE "archived_agents" (
    "id" UUID NOT NULL,
    "identity" TEXT NOT NULL,
    "identity_source" TEXT NOT NULL,
    "credential_id" UUID,
    "labels" JSONB NOT NULL,
    "opa_version" TEXT,
    "last_status" JSONB NOT NULL,
    "bundles" JSONB NOT NULL,
    "has_errors" BOOLEAN NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "archived_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "archived_agents_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "archived_agents_identity_key" ON "archived_agents"("identity");
CREATE INDEX "archived_agents_archived_at_idx" ON "archived_agents"("archived_at");
ALTER TABLE "archived_agents" ADD CONSTRAINT "archived_agents_credential_id_fkey"
    FOREIGN KEY ("credential_id") REFERENCES "agent_credentials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- An archived agent that reports again is inserted into "agents" by the status flush like a new
-- one; this brings it back: it keeps its first-seen time and leaves the archive. A statement
-- trigger over the rows actually inserted, so the flush's updates of known agents pay nothing.
CREATE FUNCTION verdict_restore_archived_agents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH back AS (
    DELETE FROM "archived_agents" x USING inserted i WHERE x."identity" = i."identity"
    RETURNING x."identity", x."first_seen_at"
  )
  UPDATE "agents" a SET "first_seen_at" = LEAST(a."first_seen_at", back."first_seen_at")
    FROM back WHERE a."identity" = back."identity";
  RETURN NULL;
END $$;
CREATE TRIGGER agents_restore_archived AFTER INSERT ON "agents"
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION verdict_restore_archived_agents();
