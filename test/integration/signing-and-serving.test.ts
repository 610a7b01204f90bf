import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeProtectedHeader } from "jose";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import {
  activateSigningKey,
  createSigningKey,
  listedPublicKeys,
  listSigningKeys,
  retireSigningKey,
} from "@/lib/bundles/signing-keys";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { rollbackBundle } from "@/lib/publishing/rollback-bundle";
import { getRevisionOrThrow, listRevisions } from "@/lib/bundles/revisions";
import { servedRevision, waitForNewRevision } from "@/lib/bundles/bundle-cache";
import { serveBundle } from "@/lib/bundles/serve-bundle";
import { enqueueAgentStatus, flushAgentStatus } from "@/lib/agents/record-agent-status";
import { rolloutProgress } from "@/lib/agents/fleet";
import { listAgents } from "@/lib/agents/list-agents";
import { bundleAgentConfig } from "@/lib/agents/bundle-opa-config";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";
import { createTestAgentCredential } from "@/test/factories/agents";

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

let actors: { admin: Actor; author: Actor; reviewer: Actor };

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
});

describe("signing keys", () => {
  it("generates the first key on the first publish, then signs with whichever key is active", async () => {
    const first = await approvedScenario(actors);
    const { revisions } = await publishChangeRequest({
      actor: actors.admin,
      number: first.cr.number,
      input: { overrideReason: TEST_OVERRIDE },
    });
    const keys = await listSigningKeys({ actor: actors.author });
    expect(keys.filter((k) => k.state === "active")).toHaveLength(1);
    const r1 = await getRevisionOrThrow({
      actor: actors.author,
      name: first.bundle.name,
      number: revisions[0]!.number,
    });
    expect(r1.signatureHeader).toEqual({ alg: keys[0]!.algorithm, kid: keys[0]!.kid });

    const rsa = await createSigningKey({
      actor: actors.admin,
      input: { source: "generate", algorithm: "RS256", activate: true },
    });
    expect(rsa).toMatchObject({ state: "active", algorithm: "RS256" });
    const { revisions: next } = await shipNewVersion(actors, first, ["alice", "bob"], 1);
    const stored = await db.bundleRevision.findUniqueOrThrow({ where: { id: next[0]!.id } });
    expect(decodeProtectedHeader(stored.signatureJws)).toEqual({ alg: "RS256", kid: rsa.kid });
    expect((await listedPublicKeys()).map((k) => k.kid)).toEqual(expect.arrayContaining([rsa.kid, keys[0]!.kid]));
  });

  it("never returns a private key, and stores it sealed with the master key", async () => {
    const key = await createSigningKey({
      actor: actors.admin,
      input: { source: "generate", algorithm: "ES256", activate: false },
    });
    const everything = JSON.stringify(await listSigningKeys({ actor: actors.admin }));
    expect(everything).not.toContain("PRIVATE KEY");
    expect(everything).not.toContain("vb1.");
    const row = await db.signingKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.privateKeySealed).toMatch(/^vb1\./);
    expect(row.privateKeySealed).not.toContain("PRIVATE");
    const audit = await db.auditEvent.findMany({ where: { targetId: key.id } });
    expect(JSON.stringify(audit.map((a) => [a.before, a.after]))).not.toContain("PRIVATE");
  });

  it("imports RSA and P-256 keys and refuses other keys, duplicates and garbage", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    await expect(
      createSigningKey({ actor: actors.admin, input: { source: "import", privateKeyPem: rsa, activate: false } }),
    ).resolves.toMatchObject({ algorithm: "RS256", imported: true, state: "standby" });
    expect(
      (
        await appError(
          createSigningKey({ actor: actors.admin, input: { source: "import", privateKeyPem: rsa, activate: false } }),
        )
      ).status,
    ).toBe(409);
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(
      (
        await appError(
          createSigningKey({ actor: actors.admin, input: { source: "import", privateKeyPem: p384, activate: false } }),
        )
      ).status,
    ).toBe(422);
    expect(
      (
        await appError(
          createSigningKey({
            actor: actors.admin,
            input: {
              source: "import",
              privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${"A".repeat(120)}\n-----END PRIVATE KEY-----\n`,
              activate: false,
            },
          }),
        )
      ).status,
    ).toBe(422);
    expect(
      (
        await appError(
          createSigningKey({
            actor: actors.author,
            input: { source: "generate", algorithm: "ES256", activate: false },
          }),
        )
      ).status,
    ).toBe(403);
  });

  it("rotates: activate a standby key, retire the old one, but never retire the active key", async () => {
    const a = await createSigningKey({
      actor: actors.admin,
      input: { source: "generate", algorithm: "ES256", activate: true },
    });
    const b = await createSigningKey({
      actor: actors.admin,
      input: { source: "generate", algorithm: "ES256", activate: false },
    });
    expect((await appError(retireSigningKey({ actor: actors.admin, id: a.id, reason: "old" }))).status).toBe(409);
    await activateSigningKey({ actor: actors.admin, id: b.id, reason: "rotation" });
    await expect(retireSigningKey({ actor: actors.admin, id: a.id, reason: "rotated out" })).resolves.toMatchObject({
      state: "retired",
    });
    expect((await listedPublicKeys()).map((k) => k.kid)).not.toContain(a.kid);
    expect((await appError(activateSigningKey({ actor: actors.admin, id: a.id, reason: "again" }))).status).toBe(409);
    expect(
      (await db.auditEvent.findMany({ where: { targetId: a.id }, orderBy: { seq: "asc" } })).map((e) => e.action),
    ).toEqual(["signing_key.generate", "signing_key.activate", "signing_key.retire"]);
  });
});

describe("revisions and rollback", () => {
  it("lists revisions newest first and rolls back by republishing old content as a new revision", async () => {
    const s = await approvedScenario(actors, { users: ["alice"] });
    await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    await shipNewVersion(actors, s, ["mallory"], 1);
    const rolled = await rollbackBundle({
      actor: actors.reviewer,
      name: s.bundle.name,
      input: { toRevision: 1, reason: "r2 let mallory in" },
    });
    expect(rolled).toMatchObject({ number: 3, revision: "r3" });
    const list = await listRevisions({ actor: actors.author, name: s.bundle.name, query: { limit: 2 } });
    expect(list.items.map((r) => r.revision)).toEqual(["r3", "r2"]);
    expect(list.nextBefore).toBe(2);
    expect(
      (await listRevisions({ actor: actors.author, name: s.bundle.name, query: { limit: 2, before: 2 } })).items.map(
        (r) => r.revision,
      ),
    ).toEqual(["r1"]);
    const r3 = await getRevisionOrThrow({ actor: actors.author, name: s.bundle.name, number: 3 });
    const r1 = await getRevisionOrThrow({ actor: actors.author, name: s.bundle.name, number: 1 });
    expect(r3).toMatchObject({ rollbackOf: "r1", reason: "r2 let mallory in", policies: r1.policies });
    expect(r3.contents.find((f) => f.name.endsWith(".rego"))!.text).toBe(
      r1.contents.find((f) => f.name.endsWith(".rego"))!.text,
    );
    expect((r3.manifest as { metadata: { verdict: { rollbackOf: string } } }).metadata.verdict.rollbackOf).toBe("r1");
    expect(
      (
        await appError(
          rollbackBundle({ actor: actors.reviewer, name: s.bundle.name, input: { toRevision: 3, reason: "noop" } }),
        )
      ).status,
    ).toBe(409);
    expect(
      (
        await appError(
          rollbackBundle({ actor: actors.author, name: s.bundle.name, input: { toRevision: 1, reason: "no" } }),
        )
      ).status,
    ).toBe(403);
    const actions = (await db.auditEvent.findMany({ where: { targetId: s.bundle.id }, orderBy: { seq: "asc" } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(["bundle.create", "bundle.publish", "bundle.publish", "bundle.rollback"]);
  });

  it("keeps published revisions immutable in the database itself", async () => {
    const s = await approvedScenario(actors);
    await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    await expect(
      db.$executeRaw`UPDATE bundle_revisions SET size = 0 WHERE bundle_id = ${s.bundle.id}::uuid`,
    ).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`DELETE FROM bundle_revisions WHERE bundle_id = ${s.bundle.id}::uuid`).rejects.toThrow(
      /append-only/,
    );
  });
});

describe("serving from memory", () => {
  it("answers 200, then 304 for the same ETag, and wakes a long poll on publish", async () => {
    const s = await approvedScenario(actors);
    await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    const first = await serveBundle(s.bundle.name, new Headers());
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("application/vnd.openpolicyagent.bundles");
    const etag = first.headers.get("etag")!;
    expect((await serveBundle(s.bundle.name, new Headers({ "if-none-match": etag }))).status).toBe(304);
    const waiting = serveBundle(
      s.bundle.name,
      new Headers({ "if-none-match": etag, prefer: "modes=snapshot,delta;wait=20" }),
    );
    await shipNewVersion(actors, s, ["alice", "carol"], 1);
    const woken = await waiting;
    expect(woken.status).toBe(200);
    expect(woken.headers.get("etag")).not.toBe(etag);
    expect((await servedRevision(s.bundle.name))!.revision).toBe("r2");
  });

  it("ends a long poll with 304 when nothing is published in time", async () => {
    const s = await approvedScenario(actors);
    await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    const { etag } = (await servedRevision(s.bundle.name))!;
    await expect(waitForNewRevision(s.bundle.name, etag, 50)).resolves.toBeNull();
    const res = await serveBundle(
      s.bundle.name,
      new Headers({ "if-none-match": etag, prefer: "modes=snapshot,delta;wait=1" }),
    );
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(etag);
  });

  it("answers 404 for a bundle with no published revision", async () => {
    expect((await appError(serveBundle("never-published", new Headers()))).status).toBe(404);
  });
});

describe("agent status and the fleet", () => {
  it("stores each agent's latest status under its stable label and reports rollout progress", async () => {
    const s = await approvedScenario(actors);
    await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    const { credential } = await createTestAgentCredential(actors.admin, { bundles: [s.bundle.name] });
    const report = (
      instance: string | undefined,
      id: string,
      revision: string,
      extra: Record<string, unknown> = {},
    ) => ({
      labels: { id, version: "1.22.2", ...(instance ? { instance } : {}) },
      bundles: {
        [s.bundle.name]: {
          name: s.bundle.name,
          active_revision: revision,
          last_successful_activation: new Date().toISOString(),
          last_request: "0001-01-01T00:00:00Z",
          ...extra,
        },
      },
    });
    enqueueAgentStatus(report(`${s.root}-a`, "uuid-1", "r1"), credential.id);
    enqueueAgentStatus(report(`${s.root}-a`, "uuid-2-after-restart", "r1"), credential.id);
    enqueueAgentStatus(
      report(`${s.root}-b`, "uuid-3", "r0", {
        code: "bundle_error",
        message: "server replied with Unauthorized",
        http_code: 401,
      }),
      credential.id,
    );
    enqueueAgentStatus(report(undefined, `${s.root}-no-label`, "r1"), credential.id);
    await flushAgentStatus();
    const agents = (await listAgents({ actor: actors.author, query: { bundle: s.bundle.name, limit: 50 } })).items;
    expect(agents.map((a) => a.identity).sort()).toEqual(
      [`${s.root}-a`, `${s.root}-b`, `id:${s.root}-no-label`].sort(),
    );
    const b = agents.find((a) => a.identity === `${s.root}-b`)!;
    expect(b).toMatchObject({
      hasErrors: true,
      bundles: [{ name: s.bundle.name, code: "bundle_error", httpCode: 401 }],
    });
    await db.agent.update({
      where: { identity: `id:${s.root}-no-label` },
      data: { lastSeenAt: new Date(Date.now() - 10 * 60_000) },
    });
    const rollout = (await rolloutProgress({ actor: actors.author })).find((r) => r.bundle === s.bundle.name)!;
    expect(rollout).toMatchObject({ total: 3, onLatest: 1, behind: 1, stale: 1, failing: 1 });
    expect(rollout.summary).toBe(
      "1 of 3 agents on r1, 1 on an older revision, 1 stale for > 5 min, 1 reporting errors",
    );
  });

  it("offers a copy-paste OPA config per bundle with every listed key and no secret", async () => {
    const s = await approvedScenario(actors);
    await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    const yaml = await bundleAgentConfig({ actor: actors.author, name: s.bundle.name, kind: "bearer" });
    for (const key of await listedPublicKeys()) expect(yaml).toContain(key.kid);
    expect(yaml).toContain("token: ${VERDICT_AGENT_TOKEN}");
    expect(yaml).toContain(`resource: bundles/${s.bundle.name}`);
    expect(yaml).toContain("long_polling_timeout_seconds: 30");
    expect(yaml).not.toContain("keyid:");
  });
});
