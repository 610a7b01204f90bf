import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
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

export async function describeAllowlistItems(
  changeSetIds: string[],
  options: { published: boolean },
): Promise<AllowlistChangeItemView[]> {
  if (changeSetIds.length === 0) return [];
  const sets = await db.allowlistChangeSet.findMany({
    where: { id: { in: changeSetIds } },
    include: { createdBy: { select: { id: true, email: true, name: true } } },
  });
  const carrier = await allowlistBundle(db);
  const views: AllowlistChangeItemView[] = [];
  for (const set of sets) {
    const payload = set.payload as unknown as ChangeSetPayload;
    const live = options.published ? null : await planChangeSet(db, payload);
    views.push({
      kind: "allowlist_change",
      changeSetId: set.id,
      summary: set.summary,
      author: set.createdBy,
      diff: live?.diff ?? payload.proposedDiff,
      problems: live?.errors ?? [],
      bundle: carrier?.name ?? null,
    });
  }
  return views;
}

export type AllowlistChangeRequestSummary = {
  number: number;
  title: string;
  status: string;
  author: string;
  updatedAt: string;
};

/** Change requests that carry an allowlist change, open ones first, newest first. */
export async function listAllowlistChangeRequests(options: { actor: Actor }): Promise<AllowlistChangeRequestSummary[]> {
  requirePermission(options.actor, "allowlist:read");
  const rows = await db.changeRequest.findMany({
    where: { items: { some: { kind: "allowlist_change" } } },
    orderBy: [{ updatedAt: "desc" }],
    take: 200,
    include: { author: { select: { email: true } } },
  });
  const open = (s: string) => s !== "published" && s !== "closed";
  return rows
    .sort((a, b) => Number(open(b.status)) - Number(open(a.status)))
    .map((r) => ({
      number: r.number,
      title: r.title,
      status: r.status,
      author: r.author.email,
      updatedAt: r.updatedAt.toISOString(),
    }));
}
