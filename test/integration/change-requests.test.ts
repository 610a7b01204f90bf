import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { createChangeRequest, updateChangeRequest } from "@/lib/change-requests/submit-change-request";
import { closeChangeRequest, reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { getChangeRequestOrThrow, listChangeRequests } from "@/lib/reviews/change-request-views";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { policyInput } from "@/test/factories/sample-policies";
import { allowPolicy, approvedScenario, TEST_OVERRIDE, uniqueRoot } from "@/test/factories/bundles";
import { createBundle } from "@/lib/bundles/create-bundle";

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

let admin: Actor;
let author: Actor;
let reviewer: Actor;
let otherReviewer: Actor;
let authorReviewer: Actor;

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  author = await createTestUser(["author"]);
  reviewer = await createTestUser(["reviewer"]);
  otherReviewer = await createTestUser(["reviewer"]);
  authorReviewer = await createTestUser(["author", "reviewer"]);
});

const actions = async (id: string) =>
  (await db.auditEvent.findMany({ where: { targetId: id }, orderBy: { seq: "asc" } })).map((e) => e.action);

async function submitted(by: Actor = author) {
  const policy = await createPolicy({ actor: by, input: policyInput() });
  const cr = await createChangeRequest({
    actor: by,
    input: {
      title: "Let alice in",
      description: "why",
      items: [{ kind: "policy_version", policyVersionId: policy.head.id }],
    },
  });
  return { policy, cr };
}

describe("change requests", () => {
  it("records what is submitted and hashes its content", async () => {
    const { policy, cr } = await submitted();
    const view = await getChangeRequestOrThrow({ actor: reviewer, number: cr.number });
    expect(view).toMatchObject({
      status: "open",
      title: "Let alice in",
      author: { id: author.userId },
      items: [{ policy: { id: policy.id }, version: { number: 1 }, base: null }],
    });
    expect(view.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(view.can).toMatchObject({ review: true, edit: false });
    expect(await actions(cr.id)).toEqual(["change_request.submit"]);
    expect(
      (await listChangeRequests({ actor: reviewer, query: { status: "active", limit: 100 } })).items.map(
        (c) => c.number,
      ),
    ).toContain(cr.number);
  });

  it("refuses unknown versions and two versions of one policy", async () => {
    const policy = await createPolicy({ actor: author, input: policyInput() });
    const v2 = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: `${policy.head.source}\n# two\n`, message: "", expectedVersion: 1 },
    });
    const twice = await appError(
      createChangeRequest({
        actor: author,
        input: {
          title: "x",
          description: "",
          items: [
            { kind: "policy_version", policyVersionId: policy.head.id },
            { kind: "policy_version", policyVersionId: v2.version.id },
          ],
        },
      }),
    );
    expect(twice).toMatchObject({ status: 422, fieldErrors: [{ path: "body.items.1" }] });
    expect(
      (
        await appError(
          createChangeRequest({
            actor: author,
            input: {
              title: "x",
              description: "",
              items: [{ kind: "policy_version", policyVersionId: "00000000-0000-4000-8000-000000000000" }],
            },
          }),
        )
      ).status,
    ).toBe(422);
  });

  it("keeps separation of duties: nobody approves their own change or a version they wrote", async () => {
    const own = await submitted(authorReviewer);
    expect(
      (
        await appError(
          reviewChangeRequest({
            actor: authorReviewer,
            number: own.cr.number,
            input: { verdict: "approve", body: "" },
          }),
        )
      ).status,
    ).toBe(403);
    // authorReviewer wrote version 2; author submits it: authorReviewer still may not approve.
    const policy = await createPolicy({ actor: author, input: policyInput() });
    const v2 = await savePolicyVersion({
      actor: authorReviewer,
      policyId: policy.id,
      input: { source: `${policy.head.source}\n# theirs\n`, message: "", expectedVersion: 1 },
    });
    const cr = await createChangeRequest({
      actor: author,
      input: { title: "x", description: "", items: [{ kind: "policy_version", policyVersionId: v2.version.id }] },
    });
    expect(
      (
        await appError(
          reviewChangeRequest({ actor: authorReviewer, number: cr.number, input: { verdict: "approve", body: "" } }),
        )
      ).message,
    ).toMatch(/someone else/);
    // Admins run the installation but do not approve policy.
    expect(
      (
        await appError(
          reviewChangeRequest({ actor: admin, number: cr.number, input: { verdict: "approve", body: "" } }),
        )
      ).status,
    ).toBe(403);
    await expect(
      reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } }),
    ).resolves.toMatchObject({ status: "approved" });
  });

  it("supports comments and change requests in the review, all audited", async () => {
    const { cr } = await submitted();
    await reviewChangeRequest({
      actor: author,
      number: cr.number,
      input: { verdict: "comment", body: "context for reviewers" },
    });
    await reviewChangeRequest({
      actor: reviewer,
      number: cr.number,
      input: { verdict: "request_changes", body: "deny by default please" },
    });
    const view = await getChangeRequestOrThrow({ actor: author, number: cr.number });
    expect(view.status).toBe("changes_requested");
    expect(view.reviews.map((r) => r.verdict)).toEqual(["comment", "request_changes"]);
    expect(await actions(cr.id)).toEqual([
      "change_request.submit",
      "change_request.comment",
      "change_request.request_changes",
    ]);
  });

  it("voids an approval when the content changes after it", async () => {
    const { policy, cr } = await submitted();
    await reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    const v2 = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: `${policy.head.source}\n# sneaky\n`, message: "", expectedVersion: 1 },
    });
    const updated = await updateChangeRequest({
      actor: author,
      number: cr.number,
      input: { items: [{ kind: "policy_version", policyVersionId: v2.version.id }] },
    });
    expect(updated.approvalsVoided).toBe(1);
    const view = await getChangeRequestOrThrow({ actor: reviewer, number: cr.number });
    expect(view).toMatchObject({
      status: "open",
      approval: null,
      reviews: [{ verdict: "approve", voided: true, matchesContent: false }],
    });
    expect(
      (
        await appError(
          publishChangeRequest({ actor: admin, number: cr.number, input: { overrideReason: TEST_OVERRIDE } }),
        )
      ).status,
    ).toBe(409);
    expect(await actions(cr.id)).toEqual([
      "change_request.submit",
      "change_request.approve",
      "change_request.approvals_voided",
      "change_request.update",
    ]);
  });

  it("keeps an approval across edits of title and description only", async () => {
    const { cr } = await submitted();
    await reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    await updateChangeRequest({
      actor: author,
      number: cr.number,
      input: { title: "Clearer title", description: "more context" },
    });
    expect((await getChangeRequestOrThrow({ actor: reviewer, number: cr.number })).status).toBe("approved");
  });

  it("lets only the author edit or close", async () => {
    const { cr } = await submitted();
    expect(
      (await appError(updateChangeRequest({ actor: authorReviewer, number: cr.number, input: { title: "mine now" } })))
        .status,
    ).toBe(403);
    expect((await appError(closeChangeRequest({ actor: authorReviewer, number: cr.number, reason: "" }))).status).toBe(
      403,
    );
    await closeChangeRequest({ actor: author, number: cr.number, reason: "superseded" });
    expect(
      (
        await appError(
          reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } }),
        )
      ).status,
    ).toBe(409);
  });
});

describe("publishing", () => {
  it("needs an approval, then passing tests or an admin override with a reason", async () => {
    const actors = { admin, author, reviewer };
    const { cr } = await submitted();
    expect((await appError(publishChangeRequest({ actor: reviewer, number: cr.number, input: {} }))).status).toBe(409);
    const scenario = await approvedScenario(actors);
    const gate = await appError(publishChangeRequest({ actor: reviewer, number: scenario.cr.number, input: {} }));
    expect(gate.status).toBe(422);
    expect(gate.extra?.tests).toMatchObject({
      passed: false,
      results: [{ policyVersionId: scenario.policy.head.id, status: "missing" }],
    });
    expect(
      (
        await appError(
          publishChangeRequest({
            actor: reviewer,
            number: scenario.cr.number,
            input: { overrideReason: TEST_OVERRIDE },
          }),
        )
      ).status,
    ).toBe(403);
    const { revisions } = await publishChangeRequest({
      actor: admin,
      number: scenario.cr.number,
      input: { overrideReason: TEST_OVERRIDE },
    });
    expect(revisions).toMatchObject([{ bundle: scenario.bundle.name, number: 1, revision: "r1" }]);
    const stored = await db.bundleRevision.findFirstOrThrow({ where: { bundleId: scenario.bundle.id } });
    expect(stored).toMatchObject({
      testOverride: TEST_OVERRIDE,
      approvedById: reviewer.userId,
      publishedById: admin.userId,
      changeRequestId: scenario.cr.id,
    });
    const manifest = stored.manifest as { metadata: { verdict: Record<string, unknown> } };
    expect(manifest.metadata.verdict).toMatchObject({
      changeRequest: { number: scenario.cr.number },
      approvedBy: reviewer.email,
      publishedBy: admin.email,
      testOverride: TEST_OVERRIDE,
      policies: [{ package: scenario.packagePath, version: 1, sha256: scenario.policy.head.sha256 }],
    });
    expect((await getChangeRequestOrThrow({ actor: author, number: scenario.cr.number })).status).toBe("published");
    expect(
      (
        await appError(
          publishChangeRequest({ actor: admin, number: scenario.cr.number, input: { overrideReason: TEST_OVERRIDE } }),
        )
      ).status,
    ).toBe(409);
    expect(await actions(scenario.bundle.id)).toEqual(["bundle.create", "bundle.publish"]);
  });

  it("lets a reviewer publish without override once the latest test run of every version passes, and blocks a failing one", async () => {
    const root = uniqueRoot();
    const pkg = `${root}.authz`;
    const tests = (user: string) =>
      `package ${pkg}_test\n\ntest_allowed if data.${pkg}.allow with input as {"user": "${user}"}\n`;
    const policy = await createPolicy({
      actor: author,
      input: { ...policyInput({ packagePath: pkg, source: allowPolicy(pkg, ["alice"]) }), testSource: tests("alice") },
    });
    await createBundle({ actor: admin, input: { name: root, description: "", roots: [root], policyIds: [policy.id] } });
    const run = await runPolicyTests({ actor: author, policyId: policy.id, input: { version: 1, timeoutMs: 5_000 } });
    expect(run.status).toBe("passed");
    const cr = await createChangeRequest({
      actor: author,
      input: { title: "tested", description: "", items: [{ kind: "policy_version", policyVersionId: policy.head.id }] },
    });
    await reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    const view = await getChangeRequestOrThrow({ actor: reviewer, number: cr.number });
    expect(view.tests).toMatchObject({ passed: true, results: [{ status: "passed", runId: run.id }] });
    expect(view.can).toMatchObject({ publish: true, override: false });
    const { revisions } = await publishChangeRequest({ actor: reviewer, number: cr.number, input: {} });
    expect((await db.bundleRevision.findUniqueOrThrow({ where: { id: revisions[0]!.id } })).testOverride).toBeNull();

    const failing = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: {
        source: allowPolicy(pkg, ["alice"]),
        testSource: tests("bob"),
        message: "expects bob",
        expectedVersion: 1,
      },
    });
    expect(
      (
        await runPolicyTests({
          actor: author,
          policyId: policy.id,
          input: { version: failing.version.number, timeoutMs: 5_000 },
        })
      ).status,
    ).toBe("failed");
    const cr2 = await createChangeRequest({
      actor: author,
      input: {
        title: "untested",
        description: "",
        items: [{ kind: "policy_version", policyVersionId: failing.version.id }],
      },
    });
    await reviewChangeRequest({ actor: reviewer, number: cr2.number, input: { verdict: "approve", body: "" } });
    const blocked = await appError(publishChangeRequest({ actor: reviewer, number: cr2.number, input: {} }));
    expect(blocked).toMatchObject({
      status: 422,
      extra: { tests: { available: true, passed: false, results: [{ status: "failed" }] } },
    });
  });

  it("changes nothing when the bundle fails the opa check", async () => {
    const actors = { admin, author, reviewer };
    const scenario = await approvedScenario(actors);
    await publishChangeRequest({ actor: admin, number: scenario.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    // A rule named `authz` in the root package conflicts with the package root.authz: each compiles alone, not together.
    const clash = await createPolicy({
      actor: author,
      input: policyInput({ packagePath: scenario.root, source: `package ${scenario.root}\n\nauthz := 1\n` }),
    });
    await db.bundlePolicy.create({ data: { bundleId: scenario.bundle.id, policyId: clash.id } });
    const cr = await createChangeRequest({
      actor: author,
      input: { title: "clash", description: "", items: [{ kind: "policy_version", policyVersionId: clash.head.id }] },
    });
    await reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    const [revisionsBefore, auditBefore] = [await db.bundleRevision.count(), await db.auditEvent.count()];
    const error = await appError(
      publishChangeRequest({ actor: admin, number: cr.number, input: { overrideReason: TEST_OVERRIDE } }),
    );
    expect(error.status).toBe(422);
    expect((error.extra?.regoErrors as unknown[] | undefined)?.[0]).toMatchObject({
      code: expect.stringMatching(/^rego_/),
      file: expect.stringContaining(".rego"),
    });
    expect(await db.bundleRevision.count()).toBe(revisionsBefore);
    expect(await db.auditEvent.count()).toBe(auditBefore);
    expect((await getChangeRequestOrThrow({ actor: author, number: cr.number })).status).toBe("approved");
  });

  it("refuses a change request whose policy is in no bundle", async () => {
    const { policy, cr } = await submitted();
    await reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    const error = await appError(
      publishChangeRequest({ actor: admin, number: cr.number, input: { overrideReason: TEST_OVERRIDE } }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain(policy.packagePath);
  });

  it("ships every published member and replaces only what the change request brings", async () => {
    const actors = { admin, author, reviewer };
    const scenario = await approvedScenario(actors);
    await publishChangeRequest({ actor: admin, number: scenario.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    const second = await createPolicy({
      actor: author,
      input: policyInput({
        packagePath: `${scenario.root}.extra`,
        source: allowPolicy(`${scenario.root}.extra`, ["bob"]),
      }),
    });
    await db.bundlePolicy.create({ data: { bundleId: scenario.bundle.id, policyId: second.id } });
    const cr = await createChangeRequest({
      actor: author,
      input: {
        title: "add extra",
        description: "",
        items: [{ kind: "policy_version", policyVersionId: second.head.id }],
      },
    });
    await reviewChangeRequest({ actor: otherReviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    const { revisions } = await publishChangeRequest({
      actor: admin,
      number: cr.number,
      input: { overrideReason: TEST_OVERRIDE },
    });
    expect(revisions[0]).toMatchObject({ number: 2, revision: "r2" });
    const shipped = await db.bundleRevisionPolicy.findMany({ where: { revisionId: revisions[0]!.id } });
    expect(shipped.map((s) => s.policyVersionId).sort()).toEqual([scenario.policy.head.id, second.head.id].sort());
  });

  it("leaves an intact audit chain", async () => {
    await expect(verifyAuditChain()).resolves.toMatchObject({ ok: true });
  });
});
