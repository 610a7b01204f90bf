import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import type { SystemActor } from "@/lib/auth/actor";
import { activeSigner, lockRevisionWriters } from "@/lib/bundles/signing-keys";
import { collectBundleData } from "@/lib/publishing/collect-bundle-data";
import { buildCheckAndStore, latestRevision, lockBundle, type StoredRevision } from "@/lib/publishing/write-revision";
import { provenanceOf } from "@/lib/publishing/publish-change-request";
import { refreshServedBundles } from "@/lib/bundles/bundle-cache";
import { allowlistBundle } from "@/lib/allowlists/bundle-allowlists";

const SYSTEM: SystemActor = { type: "system", label: "allowlist-expiry" };
// Only one app instance republishes at a time; the others skip their tick.
const REPUBLISH_LOCK = 7_240_007;
const MAX_SLEEP_MS = 30_000;
const MIN_SLEEP_MS = 250;

/**
 * When a grant in the published allowlists expires, publish a new revision without it: same
 * policy versions, today's allowlists. (Agents already ignore an expired grant from the moment
 * it expires — the policy checks expires_at_ns — this keeps what they hold tidy and auditable.)
 */
export async function republishIfExpired(now = new Date()): Promise<StoredRevision | null> {
  const stored = await db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<Array<{ locked: boolean }>>`SELECT pg_try_advisory_xact_lock(${REPUBLISH_LOCK}) AS locked`;
    if (!row?.locked) return null;
    await lockRevisionWriters(tx);
    const carrier = await allowlistBundle(tx);
    if (!carrier) return null;
    await lockBundle(tx, carrier.id);
    const previous = await latestRevision(tx, carrier.id);
    if (!previous) return null;
    const publication = await tx.allowlistPublication.findUnique({ where: { revisionId: previous.id } });
    if (!publication?.nextExpiryAt || publication.nextExpiryAt.getTime() > now.getTime()) return null;
    const versions = await tx.policyVersion.findMany({ where: { id: { in: previous.policyVersions.map((p) => p.policyVersionId) } }, include: { policy: { select: { packagePath: true } } } });
    const modules = versions
      .map((v) => ({ policyId: v.policyId, versionId: v.id, versionNumber: v.number, packagePath: v.policy.packagePath, sha256: v.sha256, source: v.source }))
      .sort((a, b) => a.packagePath.localeCompare(b.packagePath));
    const data = await collectBundleData({ tx, bundle: carrier, changeRequest: null });
    const reason = `scheduled republish: allowlist grants expired at ${publication.nextExpiryAt.toISOString()}`;
    return buildCheckAndStore(tx, SYSTEM, {
      bundle: carrier, number: previous.number + 1, modules, data,
      provenance: { republishOf: previous.revision, reason, policies: provenanceOf(modules) },
      changeRequestId: null, rollbackOfId: null, reason, testOverride: null, approvedById: null, auditAction: "bundle.republish",
      publishedById: previous.publishedById,
    }, await activeSigner(tx, SYSTEM));
  }, { timeout: 120_000, maxWait: 10_000 });
  if (stored) await refreshServedBundles([stored.bundle]);
  return stored;
}

/** When the allowlists in the current revision next go stale, or null. */
export async function nextExpiry(): Promise<Date | null> {
  const carrier = await allowlistBundle(db);
  if (!carrier) return null;
  const latest = await db.bundleRevision.findFirst({ where: { bundleId: carrier.id }, orderBy: { number: "desc" }, select: { allowlistPublication: { select: { nextExpiryAt: true } } } });
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
      if (republished) logger.info({ bundle: republished.bundle, revision: republished.revision }, "republished: allowlist grants expired");
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
