import type { Tx } from "@/lib/core/db";
import type { BundleDataDocument } from "@/lib/bundles/build-bundle";
import type { ResolvedItem } from "@/lib/change-requests/change-request-items";
import { allowlistDataDocuments } from "@/lib/allowlists/bundle-allowlists";

export type BundleDataContext = {
  tx: Tx;
  bundle: { id: string; name: string; roots: string[] };
  /** The change request being published, or null for a rollback (which replays old data instead). */
  changeRequest: { id: string; items: ResolvedItem[] } | null;
};

/**
 * The one place a bundle's data documents come from. Each document is written as
 * `<path>/data.json` and must lie under the bundle's roots. Sources of data (caller allowlists,
 * issue 5) add theirs here; the builder, signer and checks need no change.
 */
export async function collectBundleData(context: BundleDataContext): Promise<BundleDataDocument[]> {
  return [...(await allowlistDataDocuments(context.tx, context.bundle))];
}
