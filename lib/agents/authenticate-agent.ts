import { AppError } from "@/lib/core/errors";
import { bearerToken, hashSecret } from "@/lib/auth/secret-tokens";
import { AgentJwtError, looksLikeJwt, verifyAgentJwt, type AgentTokenClaims } from "@/lib/agents/agent-jwt";
import {
  agentAuthSnapshot,
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
export async function authenticateAgent(headers: Headers, access?: AgentAccess): Promise<AgentPrincipal> {
  const presented = bearerToken(headers);
  if (!presented) throw unauthenticated("Send the agent credential as Authorization: Bearer …");
  const snapshot = await agentAuthSnapshot();
  const now = Date.now();
  const { credential, via } = presented.startsWith(`${AGENT_TOKEN_PREFIX}_`)
    ? { credential: staticTokenCredential(snapshot, presented), via: "token" as const }
    : { credential: await jwtCredential(snapshot, presented, now), via: "jwt" as const };
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
  };
}

function staticTokenCredential(snapshot: AgentAuthSnapshot, token: string): CachedCredential | null {
  const credential = snapshot.bySecretHash.get(hashSecret(token));
  return credential?.kind === "bearer" ? credential : null;
}

async function jwtCredential(
  snapshot: AgentAuthSnapshot,
  token: string,
  now: number,
): Promise<CachedCredential | null> {
  if (!looksLikeJwt(token)) return null;
  let claims = verified.get(token);
  if (claims && claims.expiresAt <= now) {
    verified.delete(token);
    claims = undefined;
  }
  if (!claims) {
    try {
      claims = await verifyAgentJwt(token, snapshot.verificationKeys, now);
    } catch (error) {
      if (error instanceof AgentJwtError) return null;
      throw error;
    }
    if (verified.size >= VERIFIED_CAP) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
  }
  const credential = snapshot.byId.get(claims.credentialId);
  return credential?.kind === "oauth2" ? credential : null;
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
