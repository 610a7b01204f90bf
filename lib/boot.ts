import { logger } from "@/lib/core/logger";
import { startAgentAuthCache } from "@/lib/agents/agent-auth-cache";
import { scheduleAgentArchive } from "@/lib/agents/archive-silent-agents";
import { stopDemoAgentOnExit } from "@/lib/agents/demo-agent";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { scheduleAlerts } from "@/lib/alerts/schedule-alerts";
import { startBundleCache } from "@/lib/bundles/bundle-cache";
import { startDistributionRetrier } from "@/lib/distribution/distribution-retrier";
import { scheduleDecisionMaintenance } from "@/lib/decisions/retention";
import { startExpiryRepublisher } from "@/lib/publishing/expiry-republisher";
import { startGitSync } from "@/lib/git-sync/start-git-sync";
import { scheduleRecertificationReminders } from "@/lib/recertification/schedule-reminders";
import { scheduleRollouts } from "@/lib/rollouts/schedule-rollouts";

/**
 * The composition root: everything a server process starts before it accepts requests, called
 * once from instrumentation.ts.
 * - the in-memory caches the OPA endpoints serve from (agent credentials, current bundle
 *   revisions), each subscribed to the Postgres notifications that keep it current;
 * - the republisher that ships allowlists again when a grant expires;
 * - alerting (conditions checked on a schedule, webhook deliveries with retries);
 * - the distribution retrier, which uploads revisions again to registries and buckets where an
 *   upload failed and re-checks what they serve (one instance at a time, by a database lock);
 * - decision-log maintenance (partitions ahead, retention), which takes a database lock so only
 *   one instance acts at a time;
 * - archiving agents silent past AGENT_RETENTION_DAYS, under its own lock;
 * - git links: the poller (one instance at a time, under a database lock) and the approval hook
 *   that pushes approved editor changes;
 * - recertification reminders to grant owners, once a day per open campaign (under its own lock);
 * - the rollout evaluator, which judges running canary rollouts (one instance at a time, by a lock);
 * - the agent plane, handed to server.mjs;
 * - stopping the demo agent (if one runs) when the process exits.
 * A cache that fails to start (database not reachable yet) is logged, not fatal: each one starts
 * itself on first use.
 */
export async function boot(): Promise<void> {
  startExpiryRepublisher();
  const results = await Promise.allSettled([startAgentAuthCache(), startBundleCache()]);
  for (const result of results) {
    if (result.status === "rejected")
      logger.warn({ err: result.reason }, "background start-up failed; will retry on first use");
  }
  scheduleDecisionMaintenance();
  scheduleAlerts();
  scheduleAgentArchive();
  startDistributionRetrier();
  startGitSync();
  scheduleRecertificationReminders();
  scheduleRollouts();
  handAgentPlaneToServer();
  stopDemoAgentOnExit();
}

/**
 * server.mjs is plain Node outside the Next.js bundle, so it cannot import the bundle's modules;
 * it asks this one global, set here, whether a request is an agent's (/api/opa/*) before it hands
 * the request to Next.js. Without server.mjs (`next start`) the global is unused and the
 * app/api/opa route answers the same requests.
 */
function handAgentPlaneToServer(): void {
  (globalThis as typeof globalThis & { __verdictAgentPlane?: typeof serveAgentPlane }).__verdictAgentPlane =
    serveAgentPlane;
}
