import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { createPolicy } from "@/lib/policies/create-policy";
import { restorePolicyVersion, savePolicyVersion } from "@/lib/policies/save-policy-version";
import { getPolicyOrThrow, listPolicyVersions } from "@/lib/policies/get-policy";
import { listPolicies } from "@/lib/policies/list-policies";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { policyInput } from "@/test/factories/sample-policies";

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

let author: Actor;
let otherAuthor: Actor;
let viewer: Actor;

beforeAll(async () => {
  author = await createTestUser(["author"]);
  otherAuthor = await createTestUser(["author"]);
  viewer = await createTestUser(["viewer"]);
});

describe("versioned policies", () => {
  it("creates a policy with version 1 and records it in the audit trail", async () => {
    const input = policyInput();
    const policy = await createPolicy({ actor: author, input });
    expect(policy).toMatchObject({
      packagePath: input.packagePath,
      headNumber: 1,
      head: { number: 1, source: input.source },
    });
    expect(policy.head.sha256).toMatch(/^[0-9a-f]{64}$/);
    const events = await db.auditEvent.findMany({ where: { targetId: policy.id } });
    expect(events.map((e) => e.action)).toEqual(["policy.create"]);
    expect(events[0]!.actorId).toBe(author.userId);
  });

  it("saves each change as a new immutable version and never overwrites", async () => {
    const input = policyInput();
    const policy = await createPolicy({ actor: author, input });
    const v2 = `${input.source}\nallow if input.user == "bob"\n`;
    const saved = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: v2, message: "let bob in", expectedVersion: 1 },
    });
    expect(saved).toMatchObject({
      created: true,
      version: { number: 2, message: "let bob in", parentId: policy.head.id },
    });
    const versions = await listPolicyVersions({ actor: viewer, policyId: policy.id });
    expect(versions.map((v) => v.number)).toEqual([2, 1]);
    const v1 = await db.policyVersion.findUniqueOrThrow({
      where: { policyId_number: { policyId: policy.id, number: 1 } },
    });
    expect(v1.source).toBe(input.source);
  });

  it("does not create a version when the source is unchanged", async () => {
    const input = policyInput();
    const policy = await createPolicy({ actor: author, input });
    const result = await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: input.source, message: "", expectedVersion: 1 },
    });
    expect(result.created).toBe(false);
    expect((await getPolicyOrThrow({ actor: author, id: policy.id })).headNumber).toBe(1);
  });

  it("refuses a save based on a stale version with 409 and both texts", async () => {
    const input = policyInput();
    const policy = await createPolicy({ actor: author, input });
    const theirs = `${input.source}\n# theirs\n`;
    const mine = `${input.source}\n# mine\n`;
    await savePolicyVersion({
      actor: otherAuthor,
      policyId: policy.id,
      input: { source: theirs, message: "theirs", expectedVersion: 1 },
    });
    const error = await appError(
      savePolicyVersion({
        actor: author,
        policyId: policy.id,
        input: { source: mine, message: "mine", expectedVersion: 1 },
      }),
    );
    expect(error.status).toBe(409);
    expect(error.extra).toMatchObject({
      current: { number: 2, source: theirs, author: { email: otherAuthor.email } },
      yours: { basedOn: 1, source: mine },
    });
    expect((await listPolicyVersions({ actor: author, policyId: policy.id })).length).toBe(2);
  });

  it("lets exactly one of two concurrent saves from the same version win", async () => {
    const input = policyInput();
    const policy = await createPolicy({ actor: author, input });
    const results = await Promise.allSettled(
      [author, otherAuthor].map((actor, i) =>
        savePolicyVersion({
          actor,
          policyId: policy.id,
          input: { source: `${input.source}\n# edit ${i}\n`, message: `edit ${i}`, expectedVersion: 1 },
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as AppError).status).toBe(409);
    expect((await listPolicyVersions({ actor: author, policyId: policy.id })).map((v) => v.number)).toEqual([2, 1]);
  });

  it("refuses Rego that does not compile with errors that carry row and column", async () => {
    const input = policyInput();
    const error = await appError(
      createPolicy({
        actor: author,
        input: { ...input, source: `package ${input.packagePath}\n\nallow if {\n  input.x ==\n}\n` },
      }),
    );
    expect(error.status).toBe(422);
    expect(error.extra?.regoErrors).toEqual([expect.objectContaining({ code: "rego_parse_error", row: 5, col: 1 })]);
    expect(await db.policy.findUnique({ where: { packagePath: input.packagePath } })).toBeNull();
  });

  it("refuses a module whose package line does not match the policy", async () => {
    const input = policyInput();
    const error = await appError(
      createPolicy({ actor: author, input: { ...input, source: "package somewhere.else\n\nallow := true\n" } }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain("somewhere.else");
  });

  it("refuses a module over 1 MiB with 413", async () => {
    const input = policyInput();
    const huge = `package ${input.packagePath}\n\n${"# padding padding padding padding padding padding padding\n".repeat(20_000)}`;
    expect((await appError(createPolicy({ actor: author, input: { ...input, source: huge } }))).status).toBe(413);
  });

  it("refuses a second policy for the same package with 409", async () => {
    const input = policyInput();
    await createPolicy({ actor: author, input });
    expect((await appError(createPolicy({ actor: author, input: { ...input, name: "duplicate" } }))).status).toBe(409);
  });

  it("restores an old version as a new version", async () => {
    const input = policyInput();
    const policy = await createPolicy({ actor: author, input });
    await savePolicyVersion({
      actor: author,
      policyId: policy.id,
      input: { source: `${input.source}\n# two\n`, message: "two", expectedVersion: 1 },
    });
    const restored = await restorePolicyVersion({
      actor: author,
      policyId: policy.id,
      number: 1,
      input: { expectedVersion: 2, message: "" },
    });
    expect(restored.version).toMatchObject({ number: 3, source: input.source, message: "Restored version 1" });
    const actions = (await db.auditEvent.findMany({ where: { targetId: policy.id }, orderBy: { seq: "asc" } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(["policy.create", "policy.version.create", "policy.version.restore"]);
  });

  it("lets viewers read but not write", async () => {
    const policy = await createPolicy({ actor: author, input: policyInput() });
    await expect(getPolicyOrThrow({ actor: viewer, id: policy.id })).resolves.toMatchObject({ id: policy.id });
    const error = await appError(
      savePolicyVersion({
        actor: viewer,
        policyId: policy.id,
        input: { source: "package x", message: "", expectedVersion: 1 },
      }),
    );
    expect(error.status).toBe(403);
  });

  it("lists and searches policies with keyset pagination", async () => {
    const owner = `team-${Date.now()}`;
    for (let i = 0; i < 3; i++) await createPolicy({ actor: author, input: policyInput({ owner }) });
    const first = await listPolicies({ actor: viewer, query: { q: owner, limit: 2 } });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await listPolicies({ actor: viewer, query: { q: owner, limit: 2, cursor: first.nextCursor! } });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((p) => p.id);
    expect(new Set(ids).size).toBe(3);
  });

  it("keeps versions immutable in the database itself", async () => {
    const policy = await createPolicy({ actor: author, input: policyInput() });
    await expect(
      db.$executeRaw`UPDATE policy_versions SET source = 'x' WHERE policy_id = ${policy.id}::uuid`,
    ).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`DELETE FROM policy_versions WHERE policy_id = ${policy.id}::uuid`).rejects.toThrow(
      /append-only/,
    );
  });

  it("leaves an intact audit chain", async () => {
    await expect(verifyAuditChain()).resolves.toMatchObject({ ok: true });
  });
});
