import { hash, randomBytes } from "node:crypto";

/**
 * High-entropy bearer secrets (API tokens, agent tokens, client secrets). 256 random bits, so a
 * fast hash is enough at rest: there is nothing to brute-force. The prefix tells a leaked
 * token's kind at a glance (and lets secret scanners find it).
 */
export function generateSecret(prefix: string): { secret: string; hash: string; display: string } {
  const secret = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { secret, hash: hashSecret(secret), display: `${secret.slice(0, prefix.length + 7)}…` };
}

export function hashSecret(secret: string): string {
  return hash("sha256", secret);
}

export function bearerToken(headers: Headers): string | null {
  return bearerTokenOf(headers.get("authorization"));
}

/** The token of an `Authorization: Bearer …` header value, or null. */
export function bearerTokenOf(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1]! : null;
}
