import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { DistributionState, DistributionTargetKind } from "@/lib/generated/prisma/enums";
import { bundleIdOrThrow } from "@/lib/distribution/target-bundle";

/** How many of the newest revisions a target's view lists the state of. */
const RECENT_REVISIONS = 10;

export type TargetUploadView = {
  revision: string;
  number: number;
  state: DistributionState;
  error: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  storedAt: string | null;
  checkedAt: string | null;
};

/** A target as the API shows it: where it is and how agents reach it, never its credentials. */
export type TargetView = {
  id: string;
  name: string;
  kind: DistributionTargetKind;
  url: string;
  /** The registry repository, or the bucket. */
  location: string;
  /** The tag, or the object key. */
  reference: string;
  region: string | null;
  auth: "none" | "basic" | "bearer" | "sigv4";
  createdAt: string;
  createdBy: { email: string; name: string };
  uploads: TargetUploadView[];
};

export async function listTargets(options: { actor: Actor; name: string }): Promise<TargetView[]> {
  requirePermission(options.actor, "bundle:read");
  const bundleId = await bundleIdOrThrow(options.name);
  const targets = await db.distributionTarget.findMany({
    where: { bundleId },
    orderBy: { name: "asc" },
    include: {
      createdBy: { select: { email: true, name: true } },
      uploads: {
        orderBy: { revision: { number: "desc" } },
        take: RECENT_REVISIONS,
        include: { revision: { select: { revision: true, number: true } } },
      },
    },
  });
  return targets.map((t) => ({
    id: t.id,
    name: t.name,
    kind: t.kind,
    url: t.url,
    location: t.location,
    reference: t.reference,
    region: t.region,
    auth: t.auth as TargetView["auth"],
    createdAt: t.createdAt.toISOString(),
    createdBy: t.createdBy,
    uploads: t.uploads.map((u) => ({
      revision: u.revision.revision,
      number: u.revision.number,
      state: u.state,
      error: u.error,
      attempts: u.attempts,
      nextAttemptAt: u.nextAttemptAt?.toISOString() ?? null,
      storedAt: u.storedAt?.toISOString() ?? null,
      checkedAt: u.checkedAt?.toISOString() ?? null,
    })),
  }));
}
