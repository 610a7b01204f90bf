import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { DistributionState, DistributionTargetKind } from "@/lib/generated/prisma/enums";
import { bundleIdOrThrow } from "@/lib/distribution/target-bundle";

export type RevisionCopy = {
  target: string;
  kind: DistributionTargetKind;
  state: DistributionState | null;
  error: string | null;
};

/** One revision's state on each of its bundle's targets; null where it was never meant to go there. */
export async function revisionCopies(options: { actor: Actor; name: string; number: number }): Promise<RevisionCopy[]> {
  requirePermission(options.actor, "bundle:read");
  const bundleId = await bundleIdOrThrow(options.name);
  const targets = await db.distributionTarget.findMany({
    where: { bundleId },
    orderBy: { name: "asc" },
    select: { name: true, kind: true, uploads: { where: { revision: { number: options.number } } } },
  });
  return targets.map((t) => ({
    target: t.name,
    kind: t.kind,
    state: t.uploads[0]?.state ?? null,
    error: t.uploads[0]?.error ?? null,
  }));
}
