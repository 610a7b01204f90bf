import { logger } from "@/lib/logger";
import { startAgentAuthCache } from "@/lib/agents/agent-auth-cache";
import { startBundleCache } from "@/lib/bundles/bundle-cache";
import { startExpiryRepublisher } from "@/lib/allowlists/expiry-republisher";

/**
 * Process-wide start-up for an app instance (called from instrumentation.ts). A failure here
 * (database not reachable yet) is logged, not fatal: each cache starts itself on first use.
 */
export async function startBackgroundWork(): Promise<void> {
  startExpiryRepublisher();
  const results = await Promise.allSettled([startAgentAuthCache(), startBundleCache()]);
  for (const result of results) {
    if (result.status === "rejected") logger.warn({ err: result.reason }, "background start-up failed; will retry on first use");
  }
}
