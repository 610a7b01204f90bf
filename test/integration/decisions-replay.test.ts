import { beforeAll, describe, expect, it } from "vitest";
import type { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { queryForPath, replayDecision } from "@/lib/decisions/replay-decision";
import { createTestUser } from "@/test/factories/actors";
import { decisionEvent } from "@/test/factories/decisions";
import { policyInput } from "@/test/factories/sample-policies";

let auditor: Actor;
let author: Actor;
const pkg = `replay.p${process.pid}`;
const source = (who: string) =>
  `package ${pkg}\n\ndefault allow := false\n\nallow if input.user == "${who}"\n\ndecision := {"allow": allow, "user": input.user}\n`;

async function record(event: Record<string, unknown>) {
  await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify([event])) });
  return event.decision_id as string;
}

beforeAll(async () => {
  auditor = await createTestUser(["auditor"]);
  author = await createTestUser(["author"]);
});

describe("replaying a decision", () => {
  it("re-evaluates the recorded input with opa and says whether it still decides the same way", async () => {
    const policy = await createPolicy({
      actor: author,
      input: policyInput({ packagePath: pkg, source: source("alice") }),
    });
    const path = `${pkg.replace(".", "/")}/decision`;
    const allowedId = await record(
      decisionEvent({ path, input: { user: "alice" }, result: { allow: true, user: "alice" } }),
    );
    const same = await replayDecision({ actor: auditor, decisionId: allowedId, against: "current" });
    expect(same).toMatchObject({
      query: `data.replay.p${process.pid}.decision`,
      sameOutcome: true,
      sameResult: true,
      errors: [],
      replayed: { outcome: "allowed", defined: true },
    });
    expect(same.policies).toContainEqual({ packagePath: pkg, number: 1, sha256: policy.head.sha256 });

    await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: source("bob"), message: "only bob", expectedVersion: 1 },
    });
    const flipped = await replayDecision({ actor: auditor, decisionId: allowedId, against: "current" });
    expect(flipped).toMatchObject({
      sameOutcome: false,
      sameResult: false,
      recorded: { outcome: "allowed" },
      replayed: { outcome: "denied", result: { allow: false, user: "alice" } },
    });
  });

  it("reports an undefined replay result and refuses ad-hoc queries and unknown revisions", async () => {
    const missing = await record(decisionEvent({ path: "no/such/rule", input: { user: "x" }, result: true }));
    expect(await replayDecision({ actor: auditor, decisionId: missing, against: "current" })).toMatchObject({
      replayed: { defined: false, outcome: "other" },
      sameOutcome: false,
    });
    const adHoc = await record(decisionEvent({ path: undefined }));
    expect(
      (
        (await replayDecision({ actor: auditor, decisionId: adHoc, against: "current" }).catch(
          (e: unknown) => e,
        )) as AppError
      ).status,
    ).toBe(422);
    expect(
      (
        (await replayDecision({ actor: auditor, decisionId: missing, against: "r-unknown" }).catch(
          (e: unknown) => e,
        )) as AppError
      ).status,
    ).toBe(404);
  });

  it("builds the query for any decision path", () => {
    expect(queryForPath("authz/allow")).toBe("data.authz.allow");
    expect(queryForPath("/http-api/v1/allow")).toBe(`data["http-api"].v1.allow`);
  });
});
