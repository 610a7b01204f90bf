import { db, type Tx } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { buildAllowlistsDocument, type AllowlistsDocument } from "@/lib/allowlists/opa-data";
import { loadPublishRows } from "@/lib/allowlists/load-allowlists";
import { decideAccess, type AccessDecision, type AccessRequest } from "@/lib/allowlists/decide";

/** The document a publish ships now: active grants only (expired ones drop out). */
export async function buildCurrentAllowlistsDocument(
  tx: Pick<Tx, "$queryRaw" | "service"> = db,
  now = new Date(),
): Promise<AllowlistsDocument> {
  const { services, entries } = await loadPublishRows(tx);
  return buildAllowlistsDocument(services, entries, now);
}

export async function getAllowlistsDocument(options: { actor: Actor }): Promise<AllowlistsDocument> {
  requirePermission(options.actor, "allowlist:read");
  return buildCurrentAllowlistsDocument();
}

/** The shipped policy's decision for one request against the current allowlists. */
export async function checkAccess(options: { actor: Actor; request: AccessRequest }): Promise<AccessDecision> {
  requirePermission(options.actor, "allowlist:read");
  const now = new Date();
  return decideAccess(await buildCurrentAllowlistsDocument(db, now), options.request, now.getTime() * 1_000_000);
}
