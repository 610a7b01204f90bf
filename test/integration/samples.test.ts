import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { seedDemoData } from "@/prisma/seed";
import { gettingStarted } from "@/lib/onboarding/getting-started";

const doneSteps = async () => (await gettingStarted({ actor: admin })).filter((s) => s.done).map((s) => s.id);

const lines: string[] = [];
let admin: Actor;
let reviewer: Actor;

function actorOf(user: {
  id: string;
  email: string;
  name: string;
  roles: Actor extends { roles: infer R } ? R : never;
}): Actor {
  return { type: "user", userId: user.id, email: user.email, name: user.name, roles: user.roles, via: "session" };
}

beforeAll(async () => {
  // Each integration test file has a database of its own: this one starts empty, like a first start.
  expect(await db.user.count()).toBe(0);
  await seedDemoData((line) => lines.push(line));
  admin = actorOf(await db.user.findUniqueOrThrow({ where: { email: "admin@verdict.local" } }));
  reviewer = actorOf(await db.user.findUniqueOrThrow({ where: { email: "reviewer@verdict.local" } }));
}, 120_000);

describe("the first start's samples", () => {
  it("creates an administrator and a reviewer, and prints each password once", async () => {
    expect(admin.type === "user" && admin.roles).toEqual(expect.arrayContaining(["admin", "author", "reviewer"]));
    expect(reviewer.type === "user" && reviewer.roles).toEqual(["reviewer"]);
    const passwords = lines
      .filter((l) => l.includes("password:"))
      .map((l) => l.split("password:")[1]!.trim().split(" ")[0]!);
    expect(passwords).toHaveLength(2);
    expect(new Set(passwords).size).toBe(2);
    for (const p of passwords) expect(lines.join("\n").split(p).length - 1).toBe(1);
  });

  it("starts the getting-started checklist with nothing done: the seed's own runs are of first versions", async () => {
    expect(await doneSteps()).toEqual([]);
  });

  it("seeds four services with grants, one of them already expired", async () => {
    const services = await db.service.findMany({ include: { endpoints: { include: { entries: true } } } });
    expect(services.map((s) => s.name).sort()).toEqual(["inventory", "ledger", "orders", "payments"]);
    const grants = services.flatMap((s) => s.endpoints.flatMap((e) => e.entries));
    expect(grants).toHaveLength(13);
    expect(grants.filter((g) => g.expiresAt && g.expiresAt < new Date()).map((g) => g.callerId)).toEqual([
      "spiffe://prod.example.com/ns/legacy/sa/batch",
    ]);
  });

  it("gives every sample policy Rego tests and cases, and records a passing run of them", async () => {
    const policies = await db.policy.findMany({ include: { versions: true, testRuns: true } });
    expect(policies.map((p) => p.packagePath).sort()).toEqual([
      "httpapi.rbac",
      "kubernetes.admission",
      "payments.authz",
      "verdict.authz",
    ]);
    for (const policy of policies) {
      const head = policy.versions.find((v) => v.number === policy.headNumber)!;
      expect(head.testSource, policy.packagePath).toMatch(/^package /);
      expect((head.testCases as unknown[]).length, policy.packagePath).toBeGreaterThanOrEqual(2);
      const run = policy.testRuns.find((r) => r.policyVersionId === head.id);
      expect(run, policy.packagePath).toMatchObject({ status: "passed", failed: 0, errored: 0 });
      expect(run!.total, policy.packagePath).toBeGreaterThanOrEqual(4);
    }
  });

  it("publishes through review, with no override: the administrator proposes, the reviewer approves and publishes", async () => {
    const heads = await db.policy.findMany({
      select: { headNumber: true, versions: { select: { id: true, number: true } } },
    });
    const items = heads.map((p) => ({
      kind: "policy_version" as const,
      policyVersionId: p.versions.find((v) => v.number === p.headNumber)!.id,
    }));
    const cr = await createChangeRequest({
      actor: admin,
      input: { title: "Ship the samples", description: "", items },
    });
    await reviewChangeRequest({ actor: reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    const { revisions } = await publishChangeRequest({ actor: reviewer, number: cr.number, input: {} });
    expect(revisions).toEqual([expect.objectContaining({ bundle: "main", revision: "r1" })]);
    const stored = await db.bundleRevision.findFirstOrThrow({ where: { id: revisions[0]!.id } });
    expect(stored.testOverride).toBeNull();
    // No agent has reported and no policy changed, so only the review steps are ticked.
    expect(await doneSteps()).toEqual(["propose", "approve", "publish"]);
  });
});
