import { db } from "@/lib/db";
import type { AccessDiff } from "@/lib/allowlists/access-diff";
import type { RowError } from "@/lib/allowlists/change-plan";
import { planChangeSet, type ChangeSetPayload } from "@/lib/allowlists/propose-allowlist-change";
import { allowlistBundle } from "@/lib/allowlists/bundle-allowlists";

type Person = { id: string; email: string; name: string };

/** An allowlist change as a reviewer reads it: grant tuples, not JSON. */
export type AllowlistChangeItemView = {
  kind: "allowlist_change";
  changeSetId: string;
  summary: string;
  author: Person;
  /** What publishing would do to today's allowlists (once published: what it did). */
  diff: AccessDiff;
  /** Why it would no longer apply cleanly; empty when it does. */
  problems: RowError[];
  /** The bundle that ships the allowlists, or null when none carries them yet. */
  bundle: string | null;
};

export async function describeAllowlistItems(changeSetIds: string[], options: { published: boolean }): Promise<AllowlistChangeItemView[]> {
  if (changeSetIds.length === 0) return [];
  const sets = await db.allowlistChangeSet.findMany({ where: { id: { in: changeSetIds } }, include: { createdBy: { select: { id: true, email: true, name: true } } } });
  const carrier = await allowlistBundle(db);
  const views: AllowlistChangeItemView[] = [];
  for (const set of sets) {
    const payload = set.payload as unknown as ChangeSetPayload;
    const live = options.published ? null : await planChangeSet(db, payload);
    views.push({
      kind: "allowlist_change", changeSetId: set.id, summary: set.summary, author: set.createdBy,
      diff: live?.diff ?? payload.proposedDiff, problems: live?.errors ?? [], bundle: carrier?.name ?? null,
    });
  }
  return views;
}
