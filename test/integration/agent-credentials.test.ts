import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { db, pool } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { AppError } from "@/lib/core/errors";
import { hashSecret } from "@/lib/auth/secret-tokens";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { flushLastUsed } from "@/lib/agents/agent-auth-cache";
import { issueAgentAccessToken } from "@/lib/agents/issue-agent-token";
import { listAgentTokenKeys, rotateAgentTokenKey } from "@/lib/agents/agent-token-keys";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { basicAuth, createTestAgentCredential, eventually } from "@/test/factories/agents";
import { createTestBundle } from "@/test/factories/bundles";
import { listAgentCredentials } from "@/lib/agents/list-agent-credentials";
import { revokeAgentCredential } from "@/lib/agents/revoke-agent-credential";

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });
const form = (values: Record<string, string>) => new URLSearchParams(values);

let admin: Actor;
let author: Actor;
let bundleA: string;
let bundleB: string;

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  author = await createTestUser(["author"]);
  bundleA = (await createTestBundle(admin)).name;
  bundleB = (await createTestBundle(admin)).name;
});

/** Changes a row the way another app instance would: its own connection, its own NOTIFY. */
async function fromAnotherInstance(sql: string, params: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: env().DATABASE_URL });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(sql, params);
    await client.query("SELECT pg_notify('verdict_agent_credentials', 'test')");
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

describe("agent credentials", () => {
  it("shows a bearer token once, stores only its SHA-256, and audits the creation", async () => {
    const created = await createTestAgentCredential(admin, { bundles: [bundleA], mayUploadLogs: true });
    expect(created.secret).toMatch(/^vda_[A-Za-z0-9_-]{43}$/);
    const row = await db.agentCredential.findUniqueOrThrow({ where: { id: created.credential.id } });
    expect(row.secretHash).toBe(hashSecret(created.secret));
    expect(JSON.stringify(row)).not.toContain(created.secret.slice(4));
    expect(created.opaConfig).toContain(created.secret);
    expect(created.opaConfig).toContain(`resource: bundles/${bundleA}`);
    expect(created.opaConfig).toContain("decision_logs:");
    const listed = (await listAgentCredentials({ actor: admin })).find((c) => c.id === created.credential.id)!;
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(4));
    const events = await db.auditEvent.findMany({ where: { targetId: created.credential.id } });
    expect(events.map((e) => e.action)).toEqual(["agent_credential.create"]);
    expect(JSON.stringify(events.map((e) => [e.before, e.after]))).not.toContain(created.secret.slice(4));
  });

  it("is for admins only", async () => {
    expect((await appError(createTestAgentCredential(author))).status).toBe(403);
    expect((await appError(listAgentCredentials({ actor: author }))).status).toBe(403);
  });
});

describe("authenticateAgent", () => {
  it("accepts a static token within its scope and refuses it outside with 403", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, {
      bundles: [bundleA],
      mayReportStatus: true,
      mayUploadLogs: false,
    });
    const principal = await authenticateAgent(bearer(secret), { bundle: bundleA });
    expect(principal).toMatchObject({ credentialId: credential.id, via: "token", kind: "bearer" });
    await expect(authenticateAgent(bearer(secret), { action: "status" })).resolves.toMatchObject({
      credentialId: credential.id,
    });
    expect((await appError(authenticateAgent(bearer(secret), { bundle: bundleB }))).status).toBe(403);
    expect((await appError(authenticateAgent(bearer(secret), { action: "logs" }))).status).toBe(403);
  });

  it("refuses missing, unknown and malformed credentials with 401", async () => {
    expect((await appError(authenticateAgent(new Headers()))).status).toBe(401);
    expect((await appError(authenticateAgent(bearer("vda_unknown")))).status).toBe(401);
    expect((await appError(authenticateAgent(bearer("a.b.c")))).status).toBe(401);
    expect((await appError(authenticateAgent(new Headers({ authorization: "Basic Zm9vOmJhcg==" })))).status).toBe(401);
  });

  it("drops a credential revoked by another instance within the NOTIFY round trip", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { bundles: [bundleA] });
    await authenticateAgent(bearer(secret), { bundle: bundleA });
    await fromAnotherInstance("UPDATE agent_credentials SET revoked_at = now() WHERE id = $1", [credential.id]);
    await eventually(async () => expect((await appError(authenticateAgent(bearer(secret)))).status).toBe(401), {
      timeoutMs: 1_000,
    });
  });

  it("refuses an expired credential", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { bundles: [bundleA], expiresInDays: 30 });
    await authenticateAgent(bearer(secret));
    await fromAnotherInstance("UPDATE agent_credentials SET expires_at = now() - interval '1 second' WHERE id = $1", [
      credential.id,
    ]);
    await eventually(async () => expect((await appError(authenticateAgent(bearer(secret)))).status).toBe(401), {
      timeoutMs: 1_000,
    });
  });

  it("serves from memory: no database connection is used per request", async () => {
    const { secret } = await createTestAgentCredential(admin, { bundles: [bundleA] });
    await authenticateAgent(bearer(secret), { bundle: bundleA });
    let acquired = 0;
    const onAcquire = () => acquired++;
    pool().on("acquire", onAcquire);
    try {
      for (let i = 0; i < 200; i++) await authenticateAgent(bearer(secret), { bundle: bundleA });
    } finally {
      pool().off("acquire", onAcquire);
    }
    expect(acquired).toBe(0);
  });

  it("records last use in one batched write, not per request", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { bundles: [bundleA] });
    await authenticateAgent(bearer(secret));
    expect((await db.agentCredential.findUniqueOrThrow({ where: { id: credential.id } })).lastUsedAt).toBeNull();
    await flushLastUsed();
    expect((await db.agentCredential.findUniqueOrThrow({ where: { id: credential.id } })).lastUsedAt).not.toBeNull();
  });
});

describe("OAuth2 client credentials", () => {
  it("exchanges client id and secret (HTTP Basic) for a short-lived JWT that the OPA endpoints accept", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { kind: "oauth2", bundles: [bundleA] });
    expect(credential.clientId).toMatch(/^vdc_/);
    expect(secret).toMatch(/^vdcs_/);
    const token = await issueAgentAccessToken({
      authorization: basicAuth(credential.clientId!, secret),
      form: form({ grant_type: "client_credentials", scope: "bundles" }),
    });
    expect(token).toMatchObject({ token_type: "bearer", expires_in: 300 });
    const principal = await authenticateAgent(bearer(token.access_token), { bundle: bundleA });
    expect(principal).toMatchObject({ credentialId: credential.id, via: "jwt", kind: "oauth2" });
    expect((await appError(authenticateAgent(bearer(token.access_token), { bundle: bundleB }))).status).toBe(403);
    // The client secret itself is not a bearer token.
    expect((await appError(authenticateAgent(bearer(secret)))).status).toBe(401);
  });

  it("refuses a wrong secret, an unknown client and other grant types", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { kind: "oauth2", bundles: [bundleA] });
    const wrong = await appError(
      issueAgentAccessToken({
        authorization: basicAuth(credential.clientId!, `${secret}x`),
        form: form({ grant_type: "client_credentials" }),
      }),
    );
    expect(wrong).toMatchObject({ status: 401, extra: { error: "invalid_client" } });
    expect(
      (
        await appError(
          issueAgentAccessToken({
            authorization: basicAuth("vdc_nobody", secret),
            form: form({ grant_type: "client_credentials" }),
          }),
        )
      ).status,
    ).toBe(401);
    const grant = await appError(
      issueAgentAccessToken({
        authorization: basicAuth(credential.clientId!, secret),
        form: form({ grant_type: "password" }),
      }),
    );
    expect(grant).toMatchObject({ status: 400, extra: { error: "unsupported_grant_type" } });
    const both = await appError(
      issueAgentAccessToken({
        authorization: basicAuth(credential.clientId!, secret),
        form: form({ grant_type: "client_credentials", client_id: credential.clientId!, client_secret: secret }),
      }),
    );
    expect(both).toMatchObject({ status: 400, extra: { error: "invalid_request" } });
  });

  it("does not issue tokens to a bearer credential", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { kind: "bearer" });
    expect(
      (
        await appError(
          issueAgentAccessToken({
            authorization: basicAuth(credential.id, secret),
            form: form({ grant_type: "client_credentials" }),
          }),
        )
      ).status,
    ).toBe(401);
  });

  it("invalidates issued tokens when the credential is revoked", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { kind: "oauth2", bundles: [bundleA] });
    const token = await issueAgentAccessToken({
      authorization: basicAuth(credential.clientId!, secret),
      form: form({ grant_type: "client_credentials" }),
    });
    await authenticateAgent(bearer(token.access_token), { bundle: bundleA });
    await revokeAgentCredential({ actor: admin, id: credential.id });
    expect((await appError(authenticateAgent(bearer(token.access_token), { bundle: bundleA }))).status).toBe(401);
    expect(
      (
        await appError(
          issueAgentAccessToken({
            authorization: basicAuth(credential.clientId!, secret),
            form: form({ grant_type: "client_credentials" }),
          }),
        )
      ).status,
    ).toBe(401);
    const actions = (await db.auditEvent.findMany({ where: { targetId: credential.id }, orderBy: { seq: "asc" } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(["agent_credential.create", "agent_credential.revoke"]);
  });

  it("generates the issuer key once, keeps it sealed, and rotates without breaking issued tokens", async () => {
    const { secret, credential } = await createTestAgentCredential(admin, { kind: "oauth2", bundles: [bundleA] });
    const issue = () =>
      issueAgentAccessToken({
        authorization: basicAuth(credential.clientId!, secret),
        form: form({ grant_type: "client_credentials" }),
      });
    const before = await issue();
    const keys = await db.agentTokenKey.findMany();
    expect(keys).toHaveLength(1);
    expect(keys[0]!.privateKeySealed).toMatch(/^vb1\./);
    expect(JSON.stringify(await listAgentTokenKeys({ actor: admin }))).not.toContain("vb1.");
    const rotated = await rotateAgentTokenKey({ actor: admin, reason: "scheduled rotation" });
    expect(rotated.signing).toBe(true);
    const after = await issue();
    const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString()).kid;
    expect(kidOf(after.access_token)).toBe(rotated.kid);
    expect(kidOf(before.access_token)).not.toBe(rotated.kid);
    await expect(authenticateAgent(bearer(before.access_token))).resolves.toMatchObject({
      credentialId: credential.id,
    });
    await expect(authenticateAgent(bearer(after.access_token))).resolves.toMatchObject({ credentialId: credential.id });
    expect((await appError(rotateAgentTokenKey({ actor: author, reason: "x" }))).status).toBe(403);
  });

  it("leaves an intact audit chain", async () => {
    await expect(verifyAuditChain()).resolves.toMatchObject({ ok: true });
  });
});
