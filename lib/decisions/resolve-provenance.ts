import { db } from "@/lib/core/db";

// What decided a decision: bundle revision → change request → policy versions → approver.
// The event's `bundles` map names each bundle and its revision id; (bundle name, revision id)
// identifies a BundleRevision, which records the change request it published (or the revision it
// rolled back to), who approved and who published it, and the exact policy versions it shipped.
// A revision that does not resolve was not published by Verdict and is flagged.

export type ProvenancePolicyVersion = {
  policyId: string;
  packagePath: string;
  name: string;
  number: number;
  sha256: string;
};

export type PublishedRevision = {
  number: number;
  publishedAt: string;
  publishedBy: string;
  approvedBy: string | null;
  /** `origin` names the git commit a change request came from, when it did. */
  changeRequest: { number: number; title: string; origin?: unknown } | null;
  rollbackOf: string | null;
  reason: string | null;
  signedWith: string;
  policyVersions: ProvenancePolicyVersion[];
};

export type BundleProvenance = { bundle: string; revision: string; published: PublishedRevision | null };

export type DecisionProvenance = { bundles: BundleProvenance[]; verified: boolean };

export async function resolveProvenance(
  bundles: Record<string, { revision?: string }> | null,
): Promise<DecisionProvenance> {
  const refs = Object.entries(bundles ?? {})
    .filter(([, b]) => typeof b?.revision === "string")
    .map(([bundle, b]) => ({ bundle, revision: b.revision! }))
    .sort((a, b) => a.bundle.localeCompare(b.bundle));
  const resolved = await Promise.all(
    refs.map(async (ref) => ({ ...ref, published: await publishedRevision(ref.bundle, ref.revision) })),
  );
  return { bundles: resolved, verified: resolved.length > 0 && resolved.every((r) => r.published !== null) };
}

async function publishedRevision(bundle: string, revision: string): Promise<PublishedRevision | null> {
  const row = await db.bundleRevision.findFirst({
    where: { revision, bundle: { name: bundle } },
    orderBy: { number: "desc" },
    select: {
      number: true,
      publishedAt: true,
      reason: true,
      publishedBy: { select: { email: true } },
      approvedBy: { select: { email: true } },
      changeRequest: { select: { number: true, title: true, origin: true } },
      rollbackOf: { select: { revision: true } },
      signingKey: { select: { kid: true, algorithm: true } },
      policyVersions: {
        select: {
          policyId: true,
          policyVersion: {
            select: { number: true, sha256: true, policy: { select: { packagePath: true, name: true } } },
          },
        },
      },
    },
  });
  if (!row) return null;
  return {
    number: row.number,
    publishedAt: row.publishedAt.toISOString(),
    publishedBy: row.publishedBy.email,
    approvedBy: row.approvedBy?.email ?? null,
    changeRequest: row.changeRequest && {
      number: row.changeRequest.number,
      title: row.changeRequest.title,
      ...(row.changeRequest.origin ? { origin: row.changeRequest.origin } : {}),
    },
    rollbackOf: row.rollbackOf?.revision ?? null,
    reason: row.reason,
    signedWith: `${row.signingKey.kid} (${row.signingKey.algorithm})`,
    policyVersions: row.policyVersions
      .map((p) => ({
        policyId: p.policyId,
        packagePath: p.policyVersion.policy.packagePath,
        name: p.policyVersion.policy.name,
        number: p.policyVersion.number,
        sha256: p.policyVersion.sha256,
      }))
      .sort((a, b) => a.packagePath.localeCompare(b.packagePath)),
  };
}
