import { canonicalJson } from "@/lib/core/canonical-json";
import { db, type Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { AuditActor } from "@/lib/auth/actor";
import { refreshServedBundles } from "@/lib/bundles/bundle-cache";
import { activeSigner, lockRevisionWriters } from "@/lib/bundles/signing-keys";
import { distributeRevisions } from "@/lib/distribution/distribute-revisions";
import {
  buildRevision,
  storeRevision,
  type BuiltRevision,
  type RevisionPlan,
  type StoredRevision,
} from "@/lib/publishing/write-revision";

/**
 * What one kind of publish (a change request, a rollback, a scheduled republish) contributes to
 * the pipeline: the gate and the plan. `prepare` takes the locks it needs, checks its gate and
 * says which revisions to write. It runs twice: first in a planning transaction that is rolled
 * back and takes no revision-writer lock, then again under the revision-writer lock in the transaction that stores the revisions,
 * where `finish` records what the publish did (status, audit).
 */
export type PublishJob<R> = {
  actor: AuditActor;
  requestId?: string;
  prepare(tx: Tx): Promise<{ plans: RevisionPlan[]; finish(tx: Tx, stored: StoredRevision[]): Promise<R> }>;
};

/** Where a publish spent its time; `lockHeldMs` is how long it held the revision-writer lock in all. */
export type PublishTimings = { attempts: number; totalMs: number; buildMs: number; lockHeldMs: number };

const ATTEMPTS = 3;
const TRANSACTION = { timeout: 30_000, maxWait: 10_000 } as const;

class PlanChanged extends Error {}
class PlanningDone<T> extends Error {
  constructor(readonly value: T) {
    super("planning transaction rolled back");
  }
}

/**
 * The publish pipeline: gate → collect → build → sign → check → store → notify → distribute.
 * The job is planned, then built, signed and checked by the pinned opa, holding no lock. Only the
 * storing transaction takes the revision-writer lock: it prepares the job again under it, and if
 * anything changed since the plan (another publish, an allowlist change, a rotated key), the build
 * is thrown away and the publish starts over, up to three times.
 */
export async function runPublish<R>(
  job: PublishJob<R>,
): Promise<{ result: R | null; revisions: StoredRevision[]; timings: PublishTimings }> {
  const started = performance.now();
  let buildMs = 0;
  let lockHeldMs = 0;
  // Outside the plan: the first publish of an installation creates its signing key, and that must commit.
  const signer = await db.$transaction((tx) => activeSigner(tx, job.actor), TRANSACTION);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const plans = await planWithoutLock(job);
    if (plans === "deadlock") continue;
    if (plans.length === 0)
      return {
        result: null,
        revisions: [],
        timings: { attempts: attempt, totalMs: performance.now() - started, buildMs, lockHeldMs },
      };
    const buildStarted = performance.now();
    const builds: BuiltRevision[] = [];
    for (const plan of plans) builds.push(await buildRevision(job.actor, plan, signer));
    buildMs += performance.now() - buildStarted;
    let lockedAt = 0;
    try {
      const { result, revisions } = await db.$transaction(async (tx) => {
        lockedAt = await takeRevisionWriterLock(tx);
        const current = await activeSigner(tx, job.actor);
        const prepared = await job.prepare(tx);
        if (current.id !== signer.id || canonicalJson(prepared.plans) !== canonicalJson(plans)) throw new PlanChanged();
        const stored: StoredRevision[] = [];
        for (const build of builds) stored.push(await storeRevision(tx, job.actor, build, job.requestId));
        return { result: await prepared.finish(tx, stored), revisions: stored };
      }, TRANSACTION);
      lockHeldMs += performance.now() - lockedAt;
      if (revisions.length > 0) await refreshServedBundles(revisions.map((r) => r.bundle));
      // The same signed bytes go to the bundles' registries and buckets, holding no lock.
      await distributeRevisions(revisions.map((r) => r.id));
      return {
        result,
        revisions,
        timings: { attempts: attempt, totalMs: performance.now() - started, buildMs, lockHeldMs },
      };
    } catch (error) {
      if (lockedAt > 0) lockHeldMs += performance.now() - lockedAt;
      if (!(error instanceof PlanChanged)) throw error;
    }
  }
  throw new AppError(
    "conflict",
    "What this publish ships kept changing while it was built (other publishes or allowlist changes); try again",
  );
}

/** Every writer of revisions takes this first (see lockRevisionWriters); returns when it was granted. */
async function takeRevisionWriterLock(tx: Tx): Promise<number> {
  await lockRevisionWriters(tx);
  return performance.now();
}

/**
 * The plan, from a transaction that is rolled back and takes no revision-writer lock: planning is
 * optimistic, since the storing transaction plans again under the lock and compares. Without the
 * lock's ordering, two transactions can rarely deadlock; PostgreSQL aborts one and the planner
 * just tries again.
 */
async function planWithoutLock<R>(job: PublishJob<R>): Promise<RevisionPlan[] | "deadlock"> {
  try {
    await db.$transaction(async (tx) => {
      throw new PlanningDone((await job.prepare(tx)).plans);
    }, TRANSACTION);
  } catch (error) {
    if (error instanceof PlanningDone) return error.value as RevisionPlan[];
    if (isDeadlock(error)) return "deadlock";
    throw error;
  }
  throw new Error("unreachable: the planning transaction always rolls back");
}

function isDeadlock(error: unknown): boolean {
  const { code, meta, message } = error as { code?: string; meta?: unknown; message?: string };
  return (
    code === "P2034" ||
    code === "40P01" ||
    JSON.stringify(meta ?? {}).includes("40P01") ||
    /deadlock detected/.test(message ?? "")
  );
}
