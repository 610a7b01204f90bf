// Which bundle revisions Verdict published: a decision made by any other revision (or by no
// bundle at all) is flagged as unpublished when it is stored.

export type RevisionRef = { bundle: string; revision: string };

/**
 * Answers "did Verdict publish this revision of this bundle?" for a whole batch at once.
 * Until bundle publishing exists (issue 4) nothing is published, so every decision is flagged.
 */
export async function publishedRevisionChecker(): Promise<(ref: RevisionRef) => boolean> {
  return () => false;
}

/** A decision is unpublished unless it names at least one bundle and every bundle revision is Verdict's. */
export function isUnpublished(refs: RevisionRef[], isPublished: (ref: RevisionRef) => boolean): boolean {
  return refs.length === 0 || refs.some((ref) => !isPublished(ref));
}
