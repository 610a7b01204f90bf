import { createHash } from "node:crypto";
import { canonicalJson } from "@/lib/core/canonical-json";

/**
 * What an item contributes to a change request's content: everything that decides what would
 * ship. `key` identifies the thing changed (one item per key); the rest pins its exact content.
 */
export type ItemContent = { kind: string; key: string } & Record<string, unknown>;

export const CONTENT_HASH_VERSION = "cr-content-v1";

/** SHA-256 over the canonical JSON of the items in a stable order: any change to what ships changes it. */
export function changeRequestContentHash(items: ItemContent[]): string {
  return createHash("sha256").update(CONTENT_HASH_VERSION).update("\n").update(canonicalContent(items)).digest("hex");
}

/** The exact text the content hash is taken over (after its version line); evidence packs carry it. */
export function canonicalContent(items: ItemContent[]): string {
  const sorted = [...items].sort((a, b) =>
    a.kind === b.kind ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.kind < b.kind ? -1 : 1,
  );
  return canonicalJson(sorted);
}
