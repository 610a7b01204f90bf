-- Hand-written: a partial index the Prisma schema cannot express.

-- "Denied decisions of this agent, newest first" (often with a JSON match on the input): the
-- denied-by-time index carries the agent only as an included column, which a plain index scan
-- checks after fetching every denied row from the heap. Keyed on the agent, the scan reads only
-- that agent's denials, in time order. Partial, like the other denial index, so ingestion pays
-- for it on denials only.
CREATE INDEX "decisions_denied_agent_timestamp_idx" ON "decisions"("agent", "timestamp") WHERE "allowed" = false;
