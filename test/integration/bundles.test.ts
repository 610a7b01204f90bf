import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { createPolicy } from "@/lib/policies/create-policy";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { policyInput } from "@/test/factories/sample-policies";
import { createTestBundle, uniqueRoot } from "@/test/factories/bundles";
import { createBundle } from "@/lib/bundles/create-bundle";
import { updateBundle } from "@/lib/bundles/update-bundle";
import { listBundles } from "@/lib/bundles/list-bundles";
import { createAgentCredential } from "@/lib/agents/create-agent-credential";

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

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  author = await createTestUser(["author"]);
});

describe("bundles", () => {
  it("creates a named bundle with roots and policies, audited", async () => {
    const root = uniqueRoot();
    const policy = await createPolicy({ actor: author, input: policyInput({ packagePath: `${root}.rbac` }) });
    const bundle = await createBundle({
      actor: admin,
      input: { name: root, description: "RBAC", roots: [root], policyIds: [policy.id] },
    });
    expect(bundle).toMatchObject({
      name: root,
      roots: [root],
      policies: [{ id: policy.id, packagePath: `${root}.rbac` }],
      current: null,
    });
    expect((await listBundles({ actor: author })).map((b) => b.name)).toContain(root);
    const events = await db.auditEvent.findMany({ where: { targetId: bundle.id } });
    expect(events.map((e) => e.action)).toEqual(["bundle.create"]);
  });

  it("refuses roots that overlap within the bundle or with another bundle's, writing nothing", async () => {
    const root = uniqueRoot();
    await createTestBundle(admin, { roots: [root] });
    const count = await db.bundle.count();
    expect((await appError(createTestBundle(admin, { roots: [`${root}/sub`] }))).status).toBe(422);
    expect((await appError(createTestBundle(admin, { roots: [root] }))).message).toMatch(/overlaps/);
    const other = uniqueRoot();
    expect((await appError(createTestBundle(admin, { roots: [other, `${other}/x`] }))).status).toBe(422);
    expect(await db.bundle.count()).toBe(count);
  });

  it("refuses a policy whose package is outside the roots, or that already ships in another bundle", async () => {
    const root = uniqueRoot();
    const policy = await createPolicy({ actor: author, input: policyInput({ packagePath: `${root}.authz` }) });
    expect((await appError(createTestBundle(admin, { policyIds: [policy.id] }))).status).toBe(422);
    await createTestBundle(admin, { roots: [`${root}/authz`], policyIds: [policy.id] });
    const second = await appError(createTestBundle(admin, { roots: [`${root}/other`], policyIds: [policy.id] }));
    expect(second.status).toBe(422);
  });

  it("refuses a duplicate name with 409", async () => {
    const bundle = await createTestBundle(admin);
    expect((await appError(createTestBundle(admin, { name: bundle.name }))).status).toBe(409);
  });

  it("changes roots and membership, keeping members under the roots", async () => {
    const root = uniqueRoot();
    const policy = await createPolicy({ actor: author, input: policyInput({ packagePath: `${root}.a` }) });
    const bundle = await createTestBundle(admin, { roots: [root] });
    const updated = await updateBundle({
      actor: admin,
      name: bundle.name,
      input: { policyIds: [policy.id], description: "now with a policy" },
    });
    expect(updated.policies.map((p) => p.id)).toEqual([policy.id]);
    expect(
      (await appError(updateBundle({ actor: admin, name: bundle.name, input: { roots: [`${root}/b`] } }))).status,
    ).toBe(422);
    const emptied = await updateBundle({ actor: admin, name: bundle.name, input: { policyIds: [] } });
    expect(emptied.policies).toEqual([]);
    expect((await db.auditEvent.findMany({ where: { targetId: bundle.id } })).map((e) => e.action)).toEqual([
      "bundle.create",
      "bundle.update",
      "bundle.update",
    ]);
  });

  it("is managed by admins only", async () => {
    expect((await appError(createTestBundle(author))).status).toBe(403);
  });

  it("scopes agent credentials to bundles that exist", async () => {
    const bundle = await createTestBundle(admin);
    await expect(
      createAgentCredential({
        actor: admin,
        input: {
          name: "ok",
          kind: "bearer",
          bundles: [bundle.name],
          mayReportStatus: true,
          mayUploadLogs: false,
          expiresInDays: null,
        },
      }),
    ).resolves.toMatchObject({ credential: { bundles: [bundle.name] } });
    const before = await db.agentCredential.count();
    const error = await appError(
      createAgentCredential({
        actor: admin,
        input: {
          name: "typo",
          kind: "bearer",
          bundles: ["no-such-bundle"],
          mayReportStatus: true,
          mayUploadLogs: false,
          expiresInDays: null,
        },
      }),
    );
    expect(error.status).toBe(422);
    expect(await db.agentCredential.count()).toBe(before);
  });
});
