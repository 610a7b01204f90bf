import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import type { DistributionState } from "@/lib/generated/prisma/enums";
import { uploadToTarget } from "@/lib/distribution/target-access";
import { withTargetLock } from "@/lib/distribution/target-lock";

const BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 10 * 60_000;
/** How long a publish that is uploading keeps the retrier off its row (should it die mid-way). */
export const UPLOAD_LEASE_MS = 2 * 60_000;

/** Wait before the next try after `attempts` failed ones: 5 s, 10 s, 20 s, … up to 10 min. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Brings one target up to its bundle's newest revision: older revisions still waiting for it
 * are superseded (agents only ever want the newest), and the newest is uploaded unless it is
 * already there. Returns the newest revision's state on the target, or null when another worker
 * holds the target (it will do the same).
 */
export async function syncTarget(targetId: string): Promise<DistributionState | null> {
  return withTargetLock(targetId, async () => {
    const target = await db.distributionTarget.findUnique({ where: { id: targetId } });
    if (!target) return null;
    const latest = await db.bundleRevision.findFirst({
      where: { bundleId: target.bundleId },
      orderBy: { number: "desc" },
      select: { id: true, revision: true, bytes: true },
    });
    if (!latest) return null;
    await db.distributionUpload.updateMany({
      where: { targetId, revisionId: { not: latest.id }, state: { in: ["pending", "failed"] } },
      data: { state: "superseded", nextAttemptAt: null },
    });
    const upload = await db.distributionUpload.upsert({
      where: { targetId_revisionId: { targetId, revisionId: latest.id } },
      create: { targetId, revisionId: latest.id, state: "pending" },
      update: {},
    });
    if (upload.state === "stored" || upload.state === "tampered") return upload.state;
    const key = { targetId_revisionId: { targetId, revisionId: latest.id } };
    try {
      const { manifestDigest } = await uploadToTarget(target, Buffer.from(latest.bytes), latest.revision);
      await db.distributionUpload.update({
        where: key,
        data: {
          state: "stored",
          error: null,
          attempts: { increment: 1 },
          nextAttemptAt: null,
          manifestDigest,
          storedAt: new Date(),
          checkedAt: new Date(),
        },
      });
      return "stored";
    } catch (error) {
      const attempts = upload.attempts + 1;
      const message = error instanceof Error ? error.message : String(error);
      await db.distributionUpload.update({
        where: key,
        data: {
          state: "failed",
          error: message.slice(0, 1000),
          attempts,
          nextAttemptAt: new Date(Date.now() + retryDelayMs(attempts)),
        },
      });
      logger.warn(
        { target: target.name, revision: latest.revision, attempts, error: message },
        "distribution upload failed",
      );
      return "failed";
    }
  });
}
