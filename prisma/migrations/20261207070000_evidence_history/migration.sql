-- Histories that "state as of a moment" needs and that were not kept before: which revision each
-- agent reported running (agent_bundle_statuses holds only the latest report), and every version
-- of every allowlist grant (allowlist_entries is edited in place and grants are deleted).
-- Both record from this migration on; lib/evidence says so for earlier moments.

-- One row per run of identical reports: an agent reporting the same revision again only moves
-- last_reported_at, so the table grows with rollouts, not with reports.
CREATE TABLE "agent_revision_reports" (
    "id" BIGSERIAL NOT NULL,
    "agent_identity" TEXT NOT NULL,
    "bundle_name" TEXT NOT NULL,
    "active_revision" TEXT,
    "first_reported_at" TIMESTAMPTZ(3) NOT NULL,
    "last_reported_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "agent_revision_reports_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "agent_revision_reports_agent_identity_bundle_name_id_idx"
  ON "agent_revision_reports" ("agent_identity", "bundle_name", "id");
CREATE INDEX "agent_revision_reports_bundle_name_first_reported_at_idx"
  ON "agent_revision_reports" ("bundle_name", "first_reported_at");

-- Every insert, update and delete of a grant, written by a trigger so no code path can skip it.
-- The change set that caused it comes from the transaction setting verdict.allowlist_change_set.
CREATE TABLE "allowlist_entry_history" (
    "id" BIGSERIAL NOT NULL,
    "entry_id" UUID NOT NULL,
    "operation" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "service_name" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path_pattern" TEXT NOT NULL,
    "caller_id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "cross_trust_domain" BOOLEAN NOT NULL,
    "created_by_id" UUID NOT NULL,
    "approved_by_id" UUID,
    "change_set_id" UUID,
    CONSTRAINT "allowlist_entry_history_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "allowlist_entry_history_entry_id_id_idx" ON "allowlist_entry_history" ("entry_id", "id");
CREATE INDEX "allowlist_entry_history_recorded_at_idx" ON "allowlist_entry_history" ("recorded_at");

CREATE FUNCTION verdict_record_allowlist_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r "allowlist_entries";
  change_set TEXT := NULLIF(current_setting('verdict.allowlist_change_set', true), '');
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  INSERT INTO "allowlist_entry_history" (entry_id, operation, service_name, method, path_pattern, caller_id, owner,
      reason, expires_at, cross_trust_domain, created_by_id, approved_by_id, change_set_id)
    SELECT r.id, lower(TG_OP), s.name, e.method, e.path_pattern, r.caller_id, r.owner, r.reason, r.expires_at,
           r.cross_trust_domain, r.created_by_id, r.approved_by_id, change_set::uuid
      FROM "service_endpoints" e JOIN "services" s ON s.id = e.service_id
     WHERE e.id = r.endpoint_id;
  RETURN NULL;
END $$;
CREATE TRIGGER allowlist_entries_history AFTER INSERT OR UPDATE OR DELETE ON "allowlist_entries"
  FOR EACH ROW EXECUTE FUNCTION verdict_record_allowlist_entry();

CREATE TRIGGER allowlist_entry_history_append_only BEFORE UPDATE OR DELETE ON "allowlist_entry_history"
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_mutation();
CREATE TRIGGER allowlist_entry_history_no_truncate BEFORE TRUNCATE ON "allowlist_entry_history"
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_mutation();
