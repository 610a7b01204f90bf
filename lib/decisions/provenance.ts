import { pool } from "@/lib/core/db";

// Which bundle revisions Verdict published: a decision made by any other revision (or by no
// bundle at all) is flagged as unpublished when it is stored.

export type RevisionRef = { bundle: string; revision: string };

const NEGATIVE_TTL_MS = 30_000;
const MAX_ENTRIES = 20_000;
// Published revisions are immutable and never deleted, so a "yes" is remembered for good; a "no"
// only briefly (an agent cannot run a revision before it is published, but be safe).
const known = new Map<string, { published: boolean; at: number }>();
const keyOf = (ref: RevisionRef) => `${ref.bundle}\u0000${ref.revision}`;

/** The (bundle, revision) pairs a batch mentions, read leniently before validation (for one lookup). */
export function revisionRefsOf(events: unknown[]): RevisionRef[] {
  const refs = new Map<string, RevisionRef>();
  for (const event of events) {
    const bundles = (event as { bundles?: unknown } | null)?.bundles;
    if (!bundles || typeof bundles !== "object") continue;
    for (const [bundle, value] of Object.entries(bundles)) {
      const revision = (value as { revision?: unknown } | null)?.revision;
      if (typeof revision === "string" && revision.length <= 256 && bundle.length <= 256)
        refs.set(keyOf({ bundle, revision }), { bundle, revision });
    }
  }
  return [...refs.values()];
}

/** Answers "did Verdict publish this revision of this bundle?" for a batch, with one query at most. */
export async function publishedRevisionChecker(
  refs: RevisionRef[],
  now = Date.now(),
): Promise<(ref: RevisionRef) => boolean> {
  const unknown = refs.filter((ref) => {
    const hit = known.get(keyOf(ref));
    return !hit || (!hit.published && now - hit.at > NEGATIVE_TTL_MS);
  });
  if (unknown.length > 0) {
    const { rows } = await pool().query<{ bundle: string; revision: string }>(
      `SELECT b.name AS bundle, r.revision FROM bundle_revisions r JOIN bundles b ON b.id = r.bundle_id
        WHERE (b.name, r.revision) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [unknown.map((r) => r.bundle), unknown.map((r) => r.revision)],
    );
    const found = new Set(rows.map(keyOf));
    if (known.size + unknown.length > MAX_ENTRIES) known.clear();
    for (const ref of unknown) known.set(keyOf(ref), { published: found.has(keyOf(ref)), at: now });
  }
  return (ref) => known.get(keyOf(ref))?.published ?? false;
}

/** A decision is unpublished unless it names at least one bundle and every bundle revision is Verdict's. */
export function isUnpublished(refs: RevisionRef[], isPublished: (ref: RevisionRef) => boolean): boolean {
  return refs.length === 0 || refs.some((ref) => !isPublished(ref));
}
