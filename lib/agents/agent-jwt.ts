import { randomUUID } from "node:crypto";
import {
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWTHeaderParameters,
  type KeyObject,
} from "jose";

/**
 * Short-lived access tokens for OPA agents that authenticate with OAuth2 client credentials.
 * Pure functions: the keys come from the caller (see lib/agents/agent-auth-cache.ts).
 */
export const AGENT_TOKEN_ALGORITHM = "ES256";
export const AGENT_TOKEN_ISSUER = "verdict";
export const AGENT_TOKEN_AUDIENCE = "verdict:opa-agent";
export const AGENT_TOKEN_TYPE = "at+jwt";
export const AGENT_TOKEN_TTL_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 5;
const JTI_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type SigningKey = { kid: string; key: CryptoKey | KeyObject };
export type VerificationKeys = ReadonlyMap<string, CryptoKey | KeyObject>;
export type AgentTokenClaims = { credentialId: string; jti: string; expiresAt: number };

export async function issueAgentJwt(options: {
  signingKey: SigningKey;
  credentialId: string;
  now?: number;
  ttlSeconds?: number;
  notAfter?: number;
}): Promise<{ token: string; expiresIn: number }> {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  let exp = now + (options.ttlSeconds ?? AGENT_TOKEN_TTL_SECONDS);
  // A token never outlives the credential it was issued for.
  if (options.notAfter !== undefined) exp = Math.min(exp, Math.floor(options.notAfter / 1000));
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: AGENT_TOKEN_ALGORITHM, kid: options.signingKey.kid, typ: AGENT_TOKEN_TYPE })
    .setIssuer(AGENT_TOKEN_ISSUER)
    .setAudience(AGENT_TOKEN_AUDIENCE)
    .setSubject(options.credentialId)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(exp)
    .sign(options.signingKey.key);
  return { token, expiresIn: exp - now };
}

export class AgentJwtError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AgentJwtError";
  }
}

/**
 * Verifies signature (ES256 only — the token's own `alg` is never trusted), issuer, audience,
 * type, exp/nbf/iat with a small clock tolerance, and the presence and shape of sub and jti.
 */
export async function verifyAgentJwt(token: string, keys: VerificationKeys, now?: number): Promise<AgentTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const key = header.kid ? keys.get(header.kid) : undefined;
        if (!key) throw new AgentJwtError("unknown key id");
        return key;
      },
      {
        algorithms: [AGENT_TOKEN_ALGORITHM],
        issuer: AGENT_TOKEN_ISSUER,
        audience: AGENT_TOKEN_AUDIENCE,
        typ: AGENT_TOKEN_TYPE,
        requiredClaims: ["sub", "jti", "exp", "nbf", "iat"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: AGENT_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
        currentDate: now === undefined ? undefined : new Date(now),
      },
    );
    if (typeof payload.jti !== "string" || !JTI_PATTERN.test(payload.jti)) throw new AgentJwtError("malformed jti");
    if (typeof payload.sub !== "string" || !JTI_PATTERN.test(payload.sub)) throw new AgentJwtError("malformed sub");
    return { credentialId: payload.sub, jti: payload.jti, expiresAt: payload.exp! * 1000 };
  } catch (error) {
    if (error instanceof AgentJwtError) throw error;
    if (error instanceof joseErrors.JOSEError) throw new AgentJwtError(error.code, { cause: error });
    throw new AgentJwtError("invalid token", { cause: error });
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
