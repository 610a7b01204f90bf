import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { runPublish, type PublishJob } from "@/lib/publishing/publish-pipeline";
import type { RevisionPlan } from "@/lib/publishing/write-revision";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { createTestUser } from "@/test/factories/actors";
import { approvedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";

let actors: { admin: Actor; author: Actor; reviewer: Actor };

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
});

/** A published scenario, and a job that republishes its revision with a reason that `reasonAt(call)` chooses. */
async function republishJob(reasonAt: (call: number) => string) {
  const scenario = await approvedScenario(actors);
  const [first] = (
    await publishChangeRequest({
      actor: actors.admin,
      number: scenario.cr.number,
      input: { overrideReason: TEST_OVERRIDE },
    })
  ).revisions;
  const calls = { prepare: 0, finish: 0 };
  const job: PublishJob<string> = {
    actor: actors.admin,
    prepare: async (tx) => {
      calls.prepare += 1;
      const revision = await tx.bundleRevision.findUniqueOrThrow({
        where: { id: first!.id },
        include: { policyVersions: { include: { policyVersion: { include: { policy: true } } } } },
      });
      const modules = revision.policyVersions.map((p) => ({
        policyId: p.policyId,
        versionId: p.policyVersionId,
        versionNumber: p.policyVersion.number,
        packagePath: p.policyVersion.policy.packagePath,
        sha256: p.policyVersion.sha256,
        source: p.policyVersion.source,
        regoVersion: p.policyVersion.regoVersion,
      }));
      const reason = reasonAt(calls.prepare);
      const plan: RevisionPlan = {
        bundle: { id: scenario.bundle.id, name: scenario.bundle.name, roots: [scenario.root] },
        number: first!.number + 1,
        modules,
        data: [],
        provenance: { reason, policies: [] },
        changeRequestId: null,
        rollbackOfId: null,
        reason,
        testOverride: null,
        approvedById: null,
        auditAction: "bundle.republish",
      };
      return {
        plans: [plan],
        finish: async () => {
          calls.finish += 1;
          return reason;
        },
      };
    },
  };
  return { scenario, first: first!, job, calls };
}

describe("the publish pipeline", () => {
  it("builds outside the lock, stores what it built, and reports how long it held the lock", async () => {
    const { first, job, calls } = await republishJob(() => "steady");
    const { result, revisions, timings } = await runPublish(job);
    expect(result).toBe("steady");
    expect(revisions).toEqual([
      expect.objectContaining({ number: first.number + 1, revision: `r${first.number + 1}` }),
    ]);
    expect(calls).toEqual({ prepare: 2, finish: 1 });
    expect(timings.attempts).toBe(1);
    expect(timings.buildMs).toBeGreaterThan(0);
    expect(timings.lockHeldMs).toBeGreaterThan(0);
    expect(timings.totalMs).toBeGreaterThanOrEqual(timings.buildMs);
    const stored = await db.bundleRevision.findUniqueOrThrow({ where: { id: revisions[0]!.id } });
    expect(stored.reason).toBe("steady");
  });

  it("throws the build away and starts over when what it ships changed while it was built", async () => {
    // Calls 1 (plan) and 2 (store) disagree; calls 3 and 4 agree.
    const { first, job, calls } = await republishJob((call) => (call <= 1 ? "before" : "after"));
    const { result, revisions, timings } = await runPublish(job);
    expect(result).toBe("after");
    expect(timings.attempts).toBe(2);
    expect(calls).toEqual({ prepare: 4, finish: 1 });
    const stored = await db.bundleRevision.findUniqueOrThrow({ where: { id: revisions[0]!.id } });
    expect(stored).toMatchObject({ number: first.number + 1, reason: "after" });
  });

  it("gives up with a 409 after three tries, and stores nothing", async () => {
    const { scenario, first, job, calls } = await republishJob((call) => `moving ${call}`);
    const error = await runPublish(job).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(409);
    expect(calls).toEqual({ prepare: 6, finish: 0 });
    expect(await db.bundleRevision.count({ where: { bundleId: scenario.bundle.id } })).toBe(1);
    expect(
      await db.bundleRevision.findFirst({ where: { bundleId: scenario.bundle.id, number: first.number + 1 } }),
    ).toBeNull();
  });
});
