import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { db, type Tx } from "@/lib/core/db";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor, type AuditActor } from "@/lib/auth/actor";
import { openText, seal } from "@/lib/core/secret-box";
import { notifyInTransaction } from "@/lib/core/pg-listener";
import { AGENT_TOKEN_ALGORITHM, type SigningKey } from "@/lib/agents/agent-jwt";
import { agentAuthSnapshot, refreshAgentAuthCache, type TokenKey } from "@/lib/agents/agent-auth-cache";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

// Serialises key generation across app instances so that "generate on first use" makes one key.
const TOKEN_KEY_LOCK = ADVISORY_LOCKS.agentTokenKeys;

export type AgentTokenKeyView = {
  kid: string;
  algorithm: string;
  createdAt: string;
  retiredAt: string | null;
  signing: boolean;
};

const sealContext = (kid: string) => `agent-token-key:${kid}`;
const decrypted = new Map<string, CryptoKey>();

/** The key that signs new agent tokens, generated (once, across instances) on first use. */
export async function agentTokenSigningKey(): Promise<SigningKey> {
  let key = (await agentAuthSnapshot()).signingKey;
  if (!key) {
    await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${TOKEN_KEY_LOCK})`;
      const existing = await tx.agentTokenKey.findFirst({ where: { retiredAt: null } });
      if (!existing) await insertKey(tx, { type: "system", label: "agent-token-issuer" }, "agent_token_key.create");
    });
    await refreshAgentAuthCache();
    key = (await agentAuthSnapshot()).signingKey;
    if (!key) throw new Error("no agent token signing key after generating one");
  }
  return { kid: key.kid, key: await privateKeyOf(key) };
}

async function privateKeyOf(key: TokenKey): Promise<CryptoKey> {
  const known = decrypted.get(key.kid);
  if (known) return known;
  const jwk = JSON.parse(openText(key.privateKeySealed, sealContext(key.kid))) as JWK;
  const imported = (await importJWK(jwk, AGENT_TOKEN_ALGORITHM)) as CryptoKey;
  decrypted.set(key.kid, imported);
  return imported;
}

/** A new key signs from now on; the old one keeps verifying the tokens it issued until they expire. */
export async function rotateAgentTokenKey(options: {
  actor: Actor;
  reason: string;
  requestId?: string;
}): Promise<AgentTokenKeyView> {
  requirePermission(options.actor, "key:manage");
  const created = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${TOKEN_KEY_LOCK})`;
    const retired = await tx.agentTokenKey.findMany({ where: { retiredAt: null }, select: { kid: true } });
    await tx.agentTokenKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: new Date() } });
    return insertKey(
      tx,
      options.actor,
      "agent_token_key.rotate",
      { retired: retired.map((k) => k.kid), reason: options.reason },
      options.requestId,
    );
  });
  await refreshAgentAuthCache();
  return toView(created, true);
}

export async function listAgentTokenKeys(options: { actor: Actor }): Promise<AgentTokenKeyView[]> {
  requirePermission(options.actor, "key:manage");
  const keys = await db.agentTokenKey.findMany({
    orderBy: { createdAt: "desc" },
    select: { kid: true, algorithm: true, createdAt: true, retiredAt: true },
  });
  const signing = keys.find((k) => !k.retiredAt)?.kid;
  return keys.map((k) => toView(k, k.kid === signing));
}

async function insertKey(
  tx: Tx,
  actor: AuditActor,
  action: string,
  rotation?: { retired: string[]; reason: string },
  requestId?: string,
) {
  const kid = `at-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
  const { publicKey, privateKey } = await generateKeyPair(AGENT_TOKEN_ALGORITHM, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: AGENT_TOKEN_ALGORITHM, use: "sig" };
  const privateKeySealed = seal(JSON.stringify(await exportJWK(privateKey)), sealContext(kid));
  const created = await tx.agentTokenKey.create({
    data: { kid, algorithm: AGENT_TOKEN_ALGORITHM, publicJwk, privateKeySealed },
  });
  await recordAuditEvent(tx, {
    actor,
    action,
    target: { type: "agent_token_key", id: kid },
    before: rotation ? { signingKids: rotation.retired } : undefined,
    after: { kid, algorithm: AGENT_TOKEN_ALGORITHM, ...(rotation ? { reason: rotation.reason } : {}) },
    requestId,
  });
  await notifyInTransaction(tx, "verdict_agent_credentials", `token-key:${kid}`);
  return created;
}

function toView(
  k: { kid: string; algorithm: string; createdAt: Date; retiredAt: Date | null },
  signing: boolean,
): AgentTokenKeyView {
  return {
    kid: k.kid,
    algorithm: k.algorithm,
    createdAt: k.createdAt.toISOString(),
    retiredAt: k.retiredAt?.toISOString() ?? null,
    signing,
  };
}
