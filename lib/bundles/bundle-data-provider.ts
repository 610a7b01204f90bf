import type { Tx } from "@/lib/core/db";
import type { BundleDataDocument } from "@/lib/bundles/build-bundle";

export type BundleRef = { id: string; name: string; roots: string[] };

/**
 * A source of the data documents bundles ship (today: the caller allowlists). The publish pipeline
 * asks every provider it lists (lib/publishing/collect-bundle-data.ts); bundles know only this shape.
 */
export type BundleDataProvider = {
  /** Today's documents for a bundle's next revision; none when the bundle does not carry this source. */
  documents(tx: Tx, bundle: BundleRef): Promise<BundleDataDocument[]>;
  /** Whether a document path is this provider's: a rollback replaces those with today's documents. */
  owns(path: string): boolean;
  /** Told, in the transaction that stores a revision, what the revision ships. */
  stored?(tx: Tx, revision: { revisionId: string; bundleId: string; data: BundleDataDocument[] }): Promise<void>;
};
