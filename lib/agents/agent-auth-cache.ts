import { importJWK, type CryptoKey, type JWK } from "jose";
import { db, onCloseDb, pool } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { subscribe } from "@/lib/core/pg-listener";
import { AGENT_TOKEN_ALGORITHM, AGENT_TOKEN_TTL_SECONDS } from "@/lib/agents/agent-jwt";
import type { AgentCredentialKind } from "@/lib/generated/prisma/enums";

/**
 * Everything agent authentication needs, held in memory so that the OPA endpoints (thousands of
 * agents polling) never query the database per request. Every change to credentials or token
 * keys sends NOTIFY verdict_agent_credentials in its transaction; each instance reloads on it
 * (a revoke reaches every instance within milliseconds), on reconnect, and every 30 s as a net.
 */
export type CachedCredential = {
  id: string;
  name: string;
  kind: AgentCredentialKind;
  clientId: string | null;
  secretHash: string;
  bundles: ReadonlySet<string>;
  mayReportStatus: boolean;
  mayUploadLogs: boolean;
  expiresAt: number | null;
};

export type TokenKey = { kid: string; publicKey: CryptoKey; privateKeySealed: string; retiredAt: number | null };

export type AgentAuthSnapshot = {
  byId: ReadonlyMap<string, CachedCredential>;
  bySecretHash: ReadonlyMap<string, CachedCredential>;
  byClientId: ReadonlyMap<string, CachedCredential>;
  /** Keys that may verify agent tokens: unretired, or retired less than a token lifetime ago. */
  verificationKeys: ReadonlyMap<string, CryptoKey>;
  /** The newest unretired key: the one that signs new tokens. */
  signingKey: TokenKey | null;
  loadedAt: number;
};

const SAFETY_REFRESH_MS = 30_000;
const LAST_USED_FLUSH_MS = 30_000;

type CacheState = {
  snapshot: AgentAuthSnapshot | null;
  started: Promise<void> | null;
  loading: Promise<void> | null;
  dirty: boolean;
  lastUsed: Map<string, number>;
  timers: NodeJS.Timeout[];
};

const log = logger.child({ component: "agent-auth-cache" });
const holder = globalThis as typeof globalThis & { __verdictAgentAuth?: CacheState };

function state(): CacheState {
  if (!holder.__verdictAgentAuth) {
    holder.__verdictAgentAuth = {
      snapshot: null,
      started: null,
      loading: null,
      dirty: false,
      lastUsed: new Map(),
      timers: [],
    };
    onCloseDb(async () => {
      await flushLastUsed();
      stopAgentAuthCache();
    });
  }
  return holder.__verdictAgentAuth;
}

/** The current snapshot; the first call in a process subscribes and loads (later calls are a memory read). */
export async function agentAuthSnapshot(): Promise<AgentAuthSnapshot> {
  const s = state();
  if (s.snapshot) return s.snapshot;
  await startAgentAuthCache();
  return s.snapshot!;
}

/** The snapshot in memory, or null before the first load: never waits, never loads. */
export function currentAgentAuthSnapshot(): AgentAuthSnapshot | null {
  return holder.__verdictAgentAuth?.snapshot ?? null;
}

export function startAgentAuthCache(): Promise<void> {
  const s = state();
  s.started ??= (async () => {
    // LISTEN first, then load: a change committed in between is caught by the notification.
    await subscribe(
      "verdict_agent_credentials",
      () => void refreshAgentAuthCache(),
      () => void refreshAgentAuthCache(),
    );
    await refreshAgentAuthCache();
    s.timers.push(
      setInterval(() => void refreshAgentAuthCache(), SAFETY_REFRESH_MS),
      setInterval(() => void flushLastUsed(), LAST_USED_FLUSH_MS),
    );
    for (const timer of s.timers) timer.unref();
  })().catch((error: unknown) => {
    s.started = null;
    throw error;
  });
  return s.started;
}

/** Reloads from the database; concurrent calls coalesce, and a call during a load triggers one more. */
export function refreshAgentAuthCache(): Promise<void> {
  const s = state();
  // Not started in this process: the first agentAuthSnapshot() subscribes and loads fresh data.
  if (!s.started) return Promise.resolve();
  if (s.loading) {
    s.dirty = true;
    return s.loading;
  }
  s.loading = (async () => {
    do {
      s.dirty = false;
      s.snapshot = await loadSnapshot();
    } while (s.dirty);
  })()
    .catch((error: unknown) => {
      log.warn({ err: error }, "reloading agent credentials failed; keeping the previous snapshot");
      if (!s.snapshot) throw error;
    })
    .finally(() => {
      s.loading = null;
    });
  return s.loading;
}

async function loadSnapshot(): Promise<AgentAuthSnapshot> {
  const [credentials, keys] = await Promise.all([
    db.agentCredential.findMany({ where: { revokedAt: null } }),
    db.agentTokenKey.findMany({ orderBy: { createdAt: "desc" } }),
  ]);
  const byId = new Map<string, CachedCredential>();
  const bySecretHash = new Map<string, CachedCredential>();
  const byClientId = new Map<string, CachedCredential>();
  for (const c of credentials) {
    const cached: CachedCredential = {
      id: c.id,
      name: c.name,
      kind: c.kind,
      clientId: c.clientId,
      secretHash: c.secretHash,
      bundles: new Set(c.bundles),
      mayReportStatus: c.mayReportStatus,
      mayUploadLogs: c.mayUploadLogs,
      expiresAt: c.expiresAt?.getTime() ?? null,
    };
    byId.set(c.id, cached);
    bySecretHash.set(c.secretHash, cached);
    if (c.clientId) byClientId.set(c.clientId, cached);
  }
  const oldestUseful = Date.now() - (AGENT_TOKEN_TTL_SECONDS + 60) * 1000;
  const verificationKeys = new Map<string, CryptoKey>();
  let signingKey: TokenKey | null = null;
  for (const k of keys) {
    if (k.retiredAt && k.retiredAt.getTime() < oldestUseful) continue;
    const publicKey = (await importJWK(k.publicJwk as JWK, AGENT_TOKEN_ALGORITHM)) as CryptoKey;
    verificationKeys.set(k.kid, publicKey);
    if (!k.retiredAt && !signingKey)
      signingKey = { kid: k.kid, publicKey, privateKeySealed: k.privateKeySealed, retiredAt: null };
  }
  return { byId, bySecretHash, byClientId, verificationKeys, signingKey, loadedAt: Date.now() };
}

/** Remembers use in memory; written to the database in one statement every 30 s, not per request. */
export function markCredentialUsed(id: string, at = Date.now()): void {
  state().lastUsed.set(id, at);
}

export async function flushLastUsed(): Promise<void> {
  const s = state();
  if (s.lastUsed.size === 0) return;
  const entries = [...s.lastUsed];
  s.lastUsed.clear();
  try {
    await pool().query(
      `UPDATE agent_credentials AS c SET last_used_at = u.t
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, t)
        WHERE c.id = u.id AND (c.last_used_at IS NULL OR c.last_used_at < u.t)`,
      [entries.map(([id]) => id), entries.map(([, t]) => new Date(t))],
    );
  } catch (error) {
    log.warn({ err: error }, "recording agent credential use failed");
  }
}

export function stopAgentAuthCache(): void {
  const s = holder.__verdictAgentAuth;
  if (!s) return;
  for (const timer of s.timers) clearInterval(timer);
  holder.__verdictAgentAuth = undefined;
}
