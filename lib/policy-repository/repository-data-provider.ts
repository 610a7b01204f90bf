import type { Tx } from "@/lib/core/db";
import { isUnderRoots } from "@/lib/bundles/roots";
import type { BundleDataDocument } from "@/lib/bundles/build-bundle";
import type { BundleDataProvider, BundleRef } from "@/lib/bundles/bundle-data-provider";

/** The imported data documents that lie under a bundle's roots, as that bundle ships them. */
export async function repositoryDataDocuments(tx: Tx, bundle: BundleRef): Promise<BundleDataDocument[]> {
  const docs = await tx.repositoryDataDocument.findMany({
    select: { path: true, value: true },
    orderBy: { path: "asc" },
  });
  return docs
    .filter((d) => isUnderRoots(d.path, bundle.roots))
    .map((d) => ({ path: d.path, value: d.value as Record<string, unknown> }));
}

/**
 * The data documents of imported repositories as a source of bundle data. Every document of a
 * revision comes from some provider, so a rollback takes today's documents for every path:
 * owning all of them keeps a replayed document from being shipped next to today's.
 */
export const repositoryDataProvider: BundleDataProvider = {
  documents: repositoryDataDocuments,
  owns: () => true,
};
