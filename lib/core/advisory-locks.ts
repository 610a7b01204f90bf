/**
 * Every PostgreSQL advisory lock key Verdict takes, in one table: session and transaction
 * advisory locks share one key space, so two features that picked the same number would block
 * (or skip) each other. Keys are fixed forever: instances of different versions share a database.
 */
export const ADVISORY_LOCKS = {
  migration: 7_240_000,
  auditChain: 7_240_001,
  allowlists: 7_240_005,
  decisionMaintenance: 7_240_007,
  agentTokenKeys: 7_240_010,
  expiryRepublish: 7_240_011,
  alertEvaluation: 7_240_012,
  agentArchive: 7_240_040,
  bundleRoots: 7_240_020,
  signingKeys: 7_240_021,
  /** With a second key per bundle: pg_advisory_xact_lock(bundleRevision, hashtext(bundleId)). */
  bundleRevision: 7_240_030,
  /** With a second key per target: pg_try_advisory_lock(distributionTarget, hashtext(targetId)). */
  distributionTarget: 7_240_042,
  distributionRetrier: 7_240_043,
  /** One repository import writes at a time, so two of them conflict cleanly instead of on a unique index. */
  repositoryImport: 7_240_044,
  /** With a second key per link: pg_advisory_lock(gitLink, hashtext(linkId)), a session lock around git work. */
  gitLink: 7_240_045,
  /** The git-link poller: one instance polls at a time. */
  gitPoll: 7_240_046,
  /** The recertification reminder sweep: one instance sends at a time. */
  recertificationReminders: 7_240_060,
  /** The rollout evaluator: one instance judges running rollouts at a time. */
  rolloutEvaluation: 7_240_050,
} as const;
