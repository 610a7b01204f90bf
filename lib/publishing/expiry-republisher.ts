import { db } from "@/lib/core/db";
import { withSessionLock } from "@/lib/core/session-lock";
import { logger } from "@/lib/core/logger";
import type { SystemActor } from "@/lib/auth/actor";
import { collectBundleData } from "@/lib/publishing/collect-bundle-data";
import { runPublish } from "@/lib/publishing/publish-pipeline";
import { latestRevision, loadPlannedModules, lockBundle, type StoredRevision } from "@/lib/publishing/write-revision";
import { provenanceOf } from "@/lib/publishing/publish-change-request";
import { allowlistBundle } from "@/lib/allowlists/bundle-allowlists";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

const SYSTEM: SystemActor = { type: "system", label: "allowlist-expiry" };
const REPUBLISH_LOCK = ADVISORY_LOCKS.expiryRepublish;
const MAX_SLEEP_MS = 30_000;
const MIN_SLEEP_MS = 250;

/**
 * When a grant in the published allowlists expires, publish a new revision without it: same
 * policy versions, today's allowlists. (Agents already ignore an expired grant from the moment
 * it expires — the policy checks expires_at_ns — this keeps what they hold tidy and auditable.)
 */
export async function republishIfExpired(now = new Date()): Promise<StoredRevision | null> {
  // Only one app instance republishes at a time; the others skip their tick. A session lock, on
  // its own connection, spans the pipeline's transactions.
  return withSessionLock(REPUBLISH_LOCK, async () => {
    const { revisions } = await runPublish({
      actor: SYSTEM,
      prepare: async (tx) => {
        const nothing = { plans: [], finish: async () => null };
        const carrier = await allowlistBundle(tx);
        if (!carrier) return nothing;
        await lockBundle(tx, carrier.id);
        const previous = await latestRevision(tx, carrier.id);
        if (!previous) return nothing;
        const publication = await tx.allowlistPublication.findUnique({ where: { revisionId: previous.id } });
        if (!publication?.nextExpiryAt || publication.nextExpiryAt.getTime() > now.getTime()) return nothing;
        const modules = await loadPlannedModules(
          tx,
          previous.policyVersions.map((p) => p.policyVersionId),
        );
        const reason = `scheduled republish: allowlist grants expired at ${publication.nextExpiryAt.toISOString()}`;
        return {
          plans: [
            {
              bundle: carrier,
              number: previous.number + 1,
              modules,
              data: await collectBundleData(tx, carrier),
              provenance: { republishOf: previous.revision, reason, policies: provenanceOf(modules) },
              changeRequestId: null,
              rollbackOfId: null,
              reason,
              testOverride: null,
              approvedById: null,
              auditAction: "bundle.republish",
              publishedById: previous.publishedById,
            },
          ],
          finish: async () => null,
        };
      },
    });
    return revisions[0] ?? null;
  });
}

/** When the allowlists in the current revision next go stale, or null. */
export async function nextExpiry(): Promise<Date | null> {
  const carrier = await allowlistBundle(db);
  if (!carrier) return null;
  const latest = await db.bundleRevision.findFirst({
    where: { bundleId: carrier.id },
    orderBy: { number: "desc" },
    select: { allowlistPublication: { select: { nextExpiryAt: true } } },
  });
  return latest?.allowlistPublication?.nextExpiryAt ?? null;
}

const holder = globalThis as typeof globalThis & { __verdictExpiryTimer?: NodeJS.Timeout };

/** Wakes at the next expiry (and at least every 30 s, to see new publishes) in every app instance. */
export function startExpiryRepublisher(): void {
  if (holder.__verdictExpiryTimer) return;
  const tick = async () => {
    let sleep = MAX_SLEEP_MS;
    try {
      const republished = await republishIfExpired();
      if (republished)
        logger.info(
          { bundle: republished.bundle, revision: republished.revision },
          "republished: allowlist grants expired",
        );
      const next = await nextExpiry();
      if (next) sleep = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, next.getTime() - Date.now() + 50));
    } catch (error) {
      logger.warn({ err: error }, "allowlist expiry check failed; retrying");
    }
    holder.__verdictExpiryTimer = setTimeout(() => void tick(), sleep);
    holder.__verdictExpiryTimer.unref();
  };
  holder.__verdictExpiryTimer = setTimeout(() => void tick(), MIN_SLEEP_MS);
  holder.__verdictExpiryTimer.unref();
}

export function stopExpiryRepublisher(): void {
  if (holder.__verdictExpiryTimer) clearTimeout(holder.__verdictExpiryTimer);
  holder.__verdictExpiryTimer = undefined;
}
