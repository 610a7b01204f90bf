import type { Tx } from "@/lib/core/db";
import { isUnderRoots } from "@/lib/bundles/roots";
import type { BundleDataDocument } from "@/lib/bundles/build-bundle";
import type { BundleDataProvider } from "@/lib/bundles/bundle-data-provider";
import { buildCurrentAllowlistsDocument } from "@/lib/allowlists/publish-data";
import type { AllowlistsDocument } from "@/lib/allowlists/opa-data";

/** Where the allowlists live in a bundle: data.verdict.allowlists, next to package verdict.authz. */
export const ALLOWLISTS_DATA_PATH = "verdict/allowlists";

export function carriesAllowlists(roots: string[]): boolean {
  return isUnderRoots(ALLOWLISTS_DATA_PATH, roots);
}

/** The one bundle whose roots cover the allowlists (roots never overlap, so at most one). */
export async function allowlistBundle(
  tx: Pick<Tx, "bundle">,
): Promise<{ id: string; name: string; roots: string[] } | null> {
  const bundles = await tx.bundle.findMany({ select: { id: true, name: true, roots: true } });
  return bundles.find((b) => carriesAllowlists(b.roots)) ?? null;
}

/** Today's active grants, for the bundle that carries them. */
export async function allowlistDataDocuments(tx: Tx, bundle: { roots: string[] }): Promise<BundleDataDocument[]> {
  if (!carriesAllowlists(bundle.roots)) return [];
  const doc = await buildCurrentAllowlistsDocument(tx);
  return [{ path: ALLOWLISTS_DATA_PATH, value: doc as unknown as Record<string, unknown> }];
}

/** Records what a revision shipped of the allowlists, so the scheduler knows when it goes stale. */
export async function recordAllowlistPublication(
  tx: Tx,
  revision: { revisionId: string; bundleId: string; data: BundleDataDocument[] },
): Promise<void> {
  const doc = revision.data.find((d) => d.path === ALLOWLISTS_DATA_PATH)?.value as AllowlistsDocument | undefined;
  if (!doc) return;
  const { grants, nextExpiryNs } = summarize(doc);
  await tx.allowlistPublication.create({
    data: {
      revisionId: revision.revisionId,
      bundleId: revision.bundleId,
      grants,
      nextExpiryAt: nextExpiryNs === null ? null : new Date(Math.round(nextExpiryNs / 1_000_000)),
    },
  });
}

/** The allowlists as a source of bundle data: one document, at verdict/allowlists. */
export const allowlistDataProvider: BundleDataProvider = {
  documents: allowlistDataDocuments,
  owns: (path) => path === ALLOWLISTS_DATA_PATH,
  stored: recordAllowlistPublication,
};

export function summarize(doc: AllowlistsDocument): { grants: number; nextExpiryNs: number | null } {
  let grants = 0;
  let next: number | null = null;
  for (const service of Object.values(doc.services ?? {})) {
    for (const grant of [...Object.values(service.callers).flat(), ...service.wildcards]) {
      grants += 1;
      if (grant.expires_at_ns !== undefined && (next === null || grant.expires_at_ns < next))
        next = grant.expires_at_ns;
    }
  }
  return { grants, nextExpiryNs: next };
}
