import { db, type Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { isUnderRoots, overlappingRoots, packageDataPath } from "@/lib/bundles/roots";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

const BUNDLE_ROOTS_LOCK = ADVISORY_LOCKS.bundleRoots;

/** A transaction in which bundle roots cannot change under the caller (create and update take it). */
export function withBundleRootsLocked<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BUNDLE_ROOTS_LOCK})`;
    return fn(tx);
  });
}

export async function assertRootsFree(tx: Tx, roots: string[], exceptBundleId: string | null): Promise<void> {
  const within = overlappingRoots(roots);
  if (within.length > 0) throw rootsError(`Roots ${within[0]![0]} and ${within[0]![1]} overlap`);
  const others = await tx.bundle.findMany({
    where: exceptBundleId ? { id: { not: exceptBundleId } } : {},
    select: { name: true, roots: true },
  });
  for (const other of others) {
    const clash = overlappingRoots(roots, other.roots);
    if (clash.length > 0)
      throw rootsError(
        `Root ${clash[0]![0]} overlaps root ${clash[0]![1]} of bundle ${other.name}; OPA refuses to activate bundles whose roots overlap`,
      );
  }
}

export async function assertPoliciesFit(
  tx: Tx,
  policyIds: string[],
  roots: string[],
  bundleId: string | null,
): Promise<void> {
  if (policyIds.length === 0) return;
  const policies = await tx.policy.findMany({
    where: { id: { in: policyIds } },
    include: { bundleMembership: { include: { bundle: { select: { name: true } } } } },
  });
  const missing = policyIds.filter((id) => !policies.some((p) => p.id === id));
  if (missing.length > 0)
    throw new AppError("unprocessable", `No policy with id ${missing[0]}`, {
      fieldErrors: [{ path: "body.policyIds", message: "unknown policy" }],
    });
  for (const p of policies) {
    if (!isUnderRoots(packageDataPath(p.packagePath), roots)) {
      throw new AppError(
        "unprocessable",
        `Package ${p.packagePath} is not under the bundle's roots (${roots.join(", ")})`,
        { fieldErrors: [{ path: "body.policyIds", message: `${p.packagePath} is outside the roots` }] },
      );
    }
    if (p.bundleMembership && p.bundleMembership.bundleId !== bundleId) {
      throw new AppError(
        "conflict",
        `Policy ${p.packagePath} already ships in bundle ${p.bundleMembership.bundle.name}`,
      );
    }
  }
}

function rootsError(message: string): AppError {
  return new AppError("unprocessable", message, { fieldErrors: [{ path: "body.roots", message }] });
}
