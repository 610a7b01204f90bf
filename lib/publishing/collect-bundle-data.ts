import type { Tx } from "@/lib/core/db";
import type { BundleDataDocument } from "@/lib/bundles/build-bundle";
import type { BundleDataProvider, BundleRef } from "@/lib/bundles/bundle-data-provider";
import { allowlistDataProvider } from "@/lib/allowlists/bundle-allowlists";
import { repositoryDataProvider } from "@/lib/policy-repository/repository-data-provider";

/**
 * Every source of bundle data. Each document is written as `<path>/data.json` and must lie under
 * the bundle's roots; a new source adds its provider here, and the builder, signer and checks need
 * no change.
 */
const PROVIDERS: readonly BundleDataProvider[] = [allowlistDataProvider, repositoryDataProvider];

/** The data documents a bundle's next revision ships: every provider's, as they are today. */
export async function collectBundleData(tx: Tx, bundle: BundleRef): Promise<BundleDataDocument[]> {
  const documents: BundleDataDocument[] = [];
  for (const provider of PROVIDERS) documents.push(...(await provider.documents(tx, bundle)));
  return documents;
}

/** Replayed data (a rollback) with every provider's documents replaced by today's: revoked grants stay revoked. */
export async function withCurrentData(
  tx: Tx,
  bundle: BundleRef,
  replayed: BundleDataDocument[],
): Promise<BundleDataDocument[]> {
  const kept = replayed.filter((doc) => !PROVIDERS.some((p) => p.owns(doc.path)));
  return [...kept, ...(await collectBundleData(tx, bundle))];
}

/** Tells every provider, in the storing transaction, what a revision ships. */
export async function announceStoredData(
  tx: Tx,
  revision: { revisionId: string; bundleId: string; data: BundleDataDocument[] },
): Promise<void> {
  for (const provider of PROVIDERS) await provider.stored?.(tx, revision);
}
