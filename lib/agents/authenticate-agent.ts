import { AppError } from "@/lib/core/errors";
import { bearerTokenOf, hashSecret } from "@/lib/auth/secret-tokens";
import { AgentJwtError, looksLikeJwt, verifyAgentJwt, type AgentTokenClaims } from "@/lib/agents/agent-jwt";
import {
  agentAuthSnapshot,
  currentAgentAuthSnapshot,
  markCredentialUsed,
  type AgentAuthSnapshot,
  type CachedCredential,
} from "@/lib/agents/agent-auth-cache";
import { AGENT_TOKEN_PREFIX } from "@/lib/agents/agent-credential-format";

/** An OPA agent, as identified by the credential it presented. */
export type AgentPrincipal = {
  credentialId: string;
  credentialName: string;
  kind: "bearer" | "oauth2";
  /** "token" for a static bearer token, "jwt" for an access token from POST /api/opa/token. */
  via: "token" | "jwt";
  bundles: ReadonlySet<string>;
  mayReportStatus: boolean;
  mayUploadLogs: boolean;
  /** When a JWT's lifetime ends (ms since the epoch); null for a static token. */
  tokenExpiresAt: number | null;
};

/** What the endpoint is about to do for the agent; checked against the credential's scope. */
export type AgentAccess = { bundle: string } | { action: "status" } | { action: "logs" };

// Verified JWTs are remembered until they expire so that polling agents do not cost an ECDSA
// verification per request. The credential is still looked up every time, so a revoke applies at once.
const VERIFIED_CAP = 20_000;
const verified = new Map<string, AgentTokenClaims>();

/**
 * The one gate for every endpoint OPA calls: a memory read, never a database query.
 * Unknown, revoked or expired credentials (and bad tokens) → 401; a valid credential used
 * outside its scope → 403.
 */
export function authenticateAgent(headers: Headers, access?: AgentAccess): Promise<AgentPrincipal> {
  return authenticateAgentAuthorization(headers.get("authorization"), access);
}

/** authenticateAgent, given the Authorization header's value (the agent plane's raw requests). */
export async function authenticateAgentAuthorization(
  authorization: string | null | undefined,
  access?: AgentAccess,
): Promise<AgentPrincipal> {
  const presented = bearerTokenOf(authorization);
  if (!presented) throw unauthenticated("Send the agent credential as Authorization: Bearer …");
  const snapshot = await agentAuthSnapshot();
  const now = Date.now();
  const found = presented.startsWith(`${AGENT_TOKEN_PREFIX}_`)
    ? staticTokenCredential(snapshot, presented)
    : await jwtCredential(snapshot, presented, now);
  return principalOf(found, access, now);
}

/**
 * authenticateAgentAuthorization answered from memory, without a promise: the bundle endpoint's
 * hot path, where each promise costs (Node 20 runs async hooks for every one while the
 * framework's AsyncLocalStorage is on). Undefined when memory cannot answer (the cache is not
 * loaded yet, a JWT not verified before); the caller then takes the async path. Throws as that does.
 */
export function authenticateAgentFromMemory(
  authorization: string | null | undefined,
  access?: AgentAccess,
): AgentPrincipal | undefined {
  const snapshot = currentAgentAuthSnapshot();
  const presented = bearerTokenOf(authorization);
  if (!snapshot || !presented) return undefined;
  const now = Date.now();
  if (presented.startsWith(`${AGENT_TOKEN_PREFIX}_`))
    return principalOf(staticTokenCredential(snapshot, presented), access, now);
  const claims = rememberedClaims(presented, now);
  return claims ? principalOf(credentialOfClaims(snapshot, claims), access, now) : undefined;
}

type FoundCredential = { credential: CachedCredential | null; via: "token" | "jwt"; tokenExpiresAt: number | null };

function principalOf(found: FoundCredential, access: AgentAccess | undefined, now: number): AgentPrincipal {
  const { credential, via, tokenExpiresAt } = found;
  if (!credential || (credential.expiresAt !== null && credential.expiresAt <= now)) {
    throw unauthenticated("The agent credential is invalid, expired or revoked");
  }
  if (access) assertScope(credential, access);
  markCredentialUsed(credential.id, now);
  return {
    credentialId: credential.id,
    credentialName: credential.name,
    kind: credential.kind,
    via,
    bundles: credential.bundles,
    mayReportStatus: credential.mayReportStatus,
    mayUploadLogs: credential.mayUploadLogs,
    tokenExpiresAt,
  };
}

/**
 * Whether an agent authenticated earlier may still be served (a long poll held for seconds):
 * its credential is still in the cache that revocation invalidates, unexpired, and in scope.
 * A memory read, so the agent plane can check every held poll as it answers it.
 */
export function agentStillAuthorized(principal: AgentPrincipal, access: AgentAccess, now = Date.now()): boolean {
  const credential = currentAgentAuthSnapshot()?.byId.get(principal.credentialId);
  if (!credential || (credential.expiresAt !== null && credential.expiresAt <= now)) return false;
  if (principal.tokenExpiresAt !== null && principal.tokenExpiresAt <= now) return false;
  try {
    assertScope(credential, access);
    return true;
  } catch {
    return false;
  }
}

function staticTokenCredential(snapshot: AgentAuthSnapshot, token: string): FoundCredential {
  const credential = snapshot.bySecretHash.get(hashSecret(token));
  return { credential: credential?.kind === "bearer" ? credential : null, via: "token", tokenExpiresAt: null };
}

/** The claims of a JWT verified before and not yet expired. */
function rememberedClaims(token: string, now: number): AgentTokenClaims | undefined {
  const claims = verified.get(token);
  if (claims && claims.expiresAt <= now) {
    verified.delete(token);
    return undefined;
  }
  return claims;
}

function credentialOfClaims(snapshot: AgentAuthSnapshot, claims: AgentTokenClaims): FoundCredential {
  const credential = snapshot.byId.get(claims.credentialId);
  return {
    credential: credential?.kind === "oauth2" ? credential : null,
    via: "jwt",
    tokenExpiresAt: claims.expiresAt,
  };
}

async function jwtCredential(snapshot: AgentAuthSnapshot, token: string, now: number): Promise<FoundCredential> {
  if (!looksLikeJwt(token)) return { credential: null, via: "jwt", tokenExpiresAt: null };
  let claims = rememberedClaims(token, now);
  if (!claims) {
    try {
      claims = await verifyAgentJwt(token, snapshot.verificationKeys, now);
    } catch (error) {
      if (error instanceof AgentJwtError) return { credential: null, via: "jwt", tokenExpiresAt: null };
      throw error;
    }
    if (verified.size >= VERIFIED_CAP) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
  }
  return credentialOfClaims(snapshot, claims);
}

function assertScope(credential: CachedCredential, access: AgentAccess): void {
  if ("bundle" in access) {
    if (!credential.bundles.has(access.bundle))
      throw new AppError("forbidden", "This agent credential may not read this bundle");
  } else if (access.action === "status" && !credential.mayReportStatus) {
    throw new AppError("forbidden", "This agent credential may not report status");
  } else if (access.action === "logs" && !credential.mayUploadLogs) {
    throw new AppError("forbidden", "This agent credential may not upload decision logs");
  }
}

function unauthenticated(message: string): AppError {
  return new AppError("unauthenticated", message);
}
