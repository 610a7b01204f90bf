// What decided a decision: bundle revision → change request → policy versions → approver.
//
// The join, once bundle publishing exists (issue 4): the event's `bundles` map names each bundle
// and its revision id; (bundle name, revision id) identifies a BundleRevision, which records the
// change request it published and who approved and published it; the change request lists the
// exact policy versions it contains. A revision that does not resolve was not published by
// Verdict and is flagged.

export type ProvenancePolicyVersion = { policyId: string; packagePath: string; number: number; sha256: string };

export type PublishedRevision = {
  revisionId: string;
  publishedAt: string;
  publishedBy: string | null;
  changeRequest: { id: string; title: string; approvedBy: string | null; approvedAt: string | null } | null;
  policyVersions: ProvenancePolicyVersion[];
};

export type BundleProvenance = { bundle: string; revision: string; published: PublishedRevision | null };

export type DecisionProvenance = { bundles: BundleProvenance[]; verified: boolean };

export async function resolveProvenance(bundles: Record<string, { revision?: string }> | null): Promise<DecisionProvenance> {
  const refs = Object.entries(bundles ?? {})
    .filter(([, b]) => typeof b?.revision === "string")
    .map(([bundle, b]) => ({ bundle, revision: b.revision!, published: null }))
    .sort((a, b) => a.bundle.localeCompare(b.bundle));
  return { bundles: refs, verified: refs.length > 0 && refs.every((r) => r.published !== null) };
}
