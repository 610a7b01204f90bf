import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { authzPolicySource } from "@/lib/allowlists/authz-policy";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { listRedTeamRuns } from "@/lib/red-team/red-team-runs";
import { runRedTeam } from "@/lib/red-team/run-red-team";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { createTestUser } from "@/test/factories/actors";
import { createServiceWithEndpoints, entry, grant, shipAllowlistBundle } from "@/test/factories/allowlists";
import { approvedScenario } from "@/test/factories/bundles";
import { decisionEvent } from "@/test/factories/decisions";

let actors: { admin: Actor; author: Actor; reviewer: Actor };
let authz: { id: string };

const PAYMENTS_API = "spiffe://prod.example.com/ns/payments/sa/api";

/** Exact caller lookup replaced by a prefix match: the hole the red team must find. */
const prefixHole = (source: string) => {
  const exact = "\tsome grant in svc.callers[caller]\n";
  expect(source).toContain(exact);
  return source.replace(
    exact,
    "\tsome granted, grants in svc.callers\n\tstartswith(caller, granted)\n\tsome grant in grants\n",
  );
};

async function proposeVersion(policyId: string, source: string, message: string) {
  const head = await db.policy.findUniqueOrThrow({ where: { id: policyId }, select: { headNumber: true } });
  const saved = await savePolicyVersion({
    actor: actors.author,
    policyId,
    input: { source, message, expectedVersion: head.headNumber },
  });
  return createChangeRequest({
    actor: actors.author,
    input: { title: message, description: "", items: [{ kind: "policy_version", policyVersionId: saved.version.id }] },
  });
}

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  await createServiceWithEndpoints(actors.author, {
    name: "ledger",
    trustDomain: "prod.example.com",
    endpoints: [
      ["POST", "/entries"],
      ["GET", "/entries/{id}"],
      ["GET", "/reports/*"],
    ],
  });
  await grant(actors.author, [
    entry("ledger", "POST", "/entries", PAYMENTS_API),
    entry("ledger", "GET", "/entries/{id}", "spiffe://prod.example.com/ns/audit/sa/reader"),
    entry("ledger", "GET", "/reports/*", "spiffe://prod.example.com/ns/audit/sa/reader"),
  ]);
  authz = (await shipAllowlistBundle(actors)).policy;
}, 120_000);

describe("red-team runs", () => {
  it("find a grant matched by prefix where the rule must be exact, and block publishing until fixed", async () => {
    const cr = await proposeVersion(authz.id, prefixHole(authzPolicySource()), "Match callers by prefix");
    const run = await runRedTeam({ actor: actors.author, number: cr.number });
    expect(run.passed).toBe(false);
    expect(run.errors).toEqual([]);
    const holes = run.findings.filter((f) => f.type === "allowlist");
    expect(holes.length).toBeGreaterThan(0);
    expect(holes.every((f) => f.family === "neighbouring-caller")).toBe(true);
    expect(holes.map((f) => (f.input as { caller: string }).caller)).toEqual(
      expect.arrayContaining([`${PAYMENTS_API}x`, `${PAYMENTS_API}-evil`, `${PAYMENTS_API}/extra`]),
    );

    // Its Rego tests pass: only the red team sees the hole.
    const tests = await runPolicyTests({
      actor: actors.author,
      policyId: authz.id,
      input: { version: "head", timeoutMs: 10_000 },
    });
    expect(tests.status).toBe("passed");
    await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
    await expect(publishChangeRequest({ actor: actors.reviewer, number: cr.number, input: {} })).rejects.toMatchObject({
      code: "unprocessable",
      message: expect.stringMatching(/red-team run .* found \d+ holes/),
    });
    const runs = await listRedTeamRuns({ actor: actors.reviewer, number: cr.number });
    expect(runs.map((r) => [r.passed, r.current])).toEqual([[false, true]]);
  });

  it("pass the shipped policy: every uncovered request and near miss is denied", async () => {
    const cr = await proposeVersion(authz.id, `${authzPolicySource()}\n# reviewed\n`, "Comment only");
    const run = await runRedTeam({ actor: actors.author, number: cr.number });
    expect(run.findings).toEqual([]);
    expect(run.passed).toBe(true);
    // Uncovered pairs plus near misses of each of the three grants.
    expect(run.probes).toBeGreaterThan(30);
  });

  it("flag a policy that still allows recorded decisions whatever the identity, method or attributes", async () => {
    const scenario = await approvedScenario(actors, { users: ["alice"] });
    const pkg = scenario.policy.packagePath;
    const events = ["alice", "alice"].map((user, i) =>
      decisionEvent({
        path: `${pkg.replaceAll(".", "/")}/allow`,
        input: { user, method: "GET", resource: `/doc/${i}` },
        result: true,
      }),
    );
    await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify(events)) });

    const careless = await proposeVersion(scenario.policy.id, `package ${pkg}\n\ndefault allow := true\n`, "Allow all");
    const flagged = await runRedTeam({ actor: actors.author, number: careless.number });
    const decisions = flagged.findings.filter((f) => f.type === "decision");
    expect(decisions).toHaveLength(2);
    expect(decisions[0]).toMatchObject({
      mutations: expect.arrayContaining(["input.user replaced by another identity", "input.method GET → DELETE"]),
    });

    const careful = await proposeVersion(
      scenario.policy.id,
      `package ${pkg}\n\ndefault allow := false\n\nallow if input.user == "alice"\n`,
      "Alice only",
    );
    expect((await runRedTeam({ actor: actors.author, number: careful.number })).findings).toEqual([]);
  });

  it("refuses a change request that proposes no policy", async () => {
    await expect(runRedTeam({ actor: actors.author, number: 999_999 })).rejects.toMatchObject({ code: "not_found" });
    const auditor = await createTestUser(["auditor"]);
    await expect(runRedTeam({ actor: auditor, number: 1 })).rejects.toMatchObject({ code: "forbidden" });
  });
});
