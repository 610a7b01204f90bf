import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { syncTarget, UPLOAD_LEASE_MS } from "@/lib/distribution/sync-target";

/**
 * After a publish has committed: marks each new revision pending on every target of its bundle
 * (with a lease, so the retrier leaves it to this process unless it dies), then uploads to all of
 * them at once. A failed upload is recorded on the revision and retried by the retrier; it never
 * fails the publish, which has already happened.
 */
export async function distributeRevisions(revisionIds: string[]): Promise<void> {
  if (revisionIds.length === 0) return;
  try {
    await distribute(revisionIds);
  } catch (err) {
    // The revisions are stored: the retrier finds targets that lack them.
    logger.warn({ err }, "distribution after publish failed; the retrier will upload");
  }
}

async function distribute(revisionIds: string[]): Promise<void> {
  const revisions = await db.bundleRevision.findMany({
    where: { id: { in: revisionIds } },
    select: { id: true, bundleId: true },
  });
  const targets = await db.distributionTarget.findMany({
    where: { bundleId: { in: revisions.map((r) => r.bundleId) } },
    select: { id: true, bundleId: true },
  });
  if (targets.length === 0) return;
  const revisionOf = new Map(revisions.map((r) => [r.bundleId, r.id]));
  await db.distributionUpload.createMany({
    data: targets.map((t) => ({
      targetId: t.id,
      revisionId: revisionOf.get(t.bundleId)!,
      state: "pending" as const,
      nextAttemptAt: new Date(Date.now() + UPLOAD_LEASE_MS),
    })),
    skipDuplicates: true,
  });
  const results = await Promise.allSettled(targets.map((t) => syncTarget(t.id)));
  for (const result of results) {
    if (result.status === "rejected") logger.warn({ err: result.reason }, "distribution after publish failed");
  }
}
