/**
 * Which revision of a bundle Verdict serves an agent — the one place this rule is written: the
 * bundle endpoint applies it from memory (bundle-cache.ts) and the fleet view and drift alert
 * from SQL (ASSIGNMENTS_SQL below, which must say the same):
 *
 * - the bundle's newest rollout applies only while its canary is the bundle's newest revision
 *   and it was not promoted (a later publish supersedes it; a promotion serves the newest);
 * - running: credentials in its members get the canary, every other agent the baseline;
 * - aborted: every agent gets the baseline;
 * - otherwise every agent gets the newest revision.
 */
export type AssignableRollout<R> = {
  state: "running" | "aborted";
  baseline: R;
  canary: R;
  members: ReadonlySet<string>;
};

export function assignedRevision<R extends { id: string }>(
  newest: R | null,
  rollout: AssignableRollout<R> | null,
  credentialId: string | null,
): R | null {
  if (!newest || !rollout || rollout.canary.id !== newest.id) return newest;
  if (rollout.state === "aborted") return rollout.baseline;
  return credentialId !== null && rollout.members.has(credentialId) ? rollout.canary : rollout.baseline;
}

/**
 * One row per bundle with what it serves: `newest_revision` (number, published_at), and when a
 * rollout applies (see above) its `rollout_id`, `rollout_state`, `baseline_revision`,
 * `canary_revision` and `members`. Use as a CTE: `WITH assignments AS (${ASSIGNMENTS_SQL})`.
 */
export const ASSIGNMENTS_SQL = `
  SELECT b.name AS bundle_name, n.revision AS newest_revision, n.number AS newest_number,
         n.published_at AS newest_published_at,
         ro.id AS rollout_id, ro.state::text AS rollout_state, ro.canary_credential_ids AS members,
         rb.revision AS baseline_revision, rb.number AS baseline_number, rb.published_at AS baseline_published_at,
         rc.revision AS canary_revision, ro.ended_at AS rollout_ended_at
    FROM bundles b
    LEFT JOIN LATERAL (SELECT id, revision, number, published_at FROM bundle_revisions
                        WHERE bundle_id = b.id ORDER BY number DESC LIMIT 1) n ON true
    LEFT JOIN LATERAL (SELECT id, state, canary_revision_id FROM bundle_rollouts
                        WHERE bundle_id = b.id ORDER BY created_at DESC LIMIT 1) head ON true
    LEFT JOIN bundle_rollouts ro ON ro.id = head.id AND head.state <> 'promoted' AND head.canary_revision_id = n.id
    LEFT JOIN bundle_revisions rb ON rb.id = ro.baseline_revision_id
    LEFT JOIN bundle_revisions rc ON rc.id = ro.canary_revision_id`;

/** The revision assigned to an agent whose credential id is the SQL expression `credential`, over an assignments row `t`. */
export function assignedRevisionSql(t: string, credential: string): string {
  return `CASE WHEN ${t}.rollout_state = 'running'
                 THEN CASE WHEN ${credential}::text = ANY(${t}.members) THEN ${t}.canary_revision ELSE ${t}.baseline_revision END
               WHEN ${t}.rollout_state = 'aborted' THEN ${t}.baseline_revision
               ELSE ${t}.newest_revision END`;
}
