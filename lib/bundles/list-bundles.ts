import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { type BundleSummary, summaries } from "@/lib/bundles/bundle-summary";

export async function listBundles(options: { actor: Actor }): Promise<BundleSummary[]> {
  requirePermission(options.actor, "bundle:read");
  return summaries({});
}

export async function getBundleOrThrow(options: { actor: Actor; name: string }): Promise<BundleSummary> {
  requirePermission(options.actor, "bundle:read");
  const found = await summaries({ name: options.name });
  if (!found[0]) throw notFound("Bundle");
  return found[0];
}
