import { timingSafeEqual } from "node:crypto";
import { AppError } from "@/lib/core/errors";
import { hashSecret } from "@/lib/auth/secret-tokens";
import { issueAgentJwt } from "@/lib/agents/agent-jwt";
import { agentTokenSigningKey } from "@/lib/agents/agent-token-keys";
import { agentAuthSnapshot, markCredentialUsed } from "@/lib/agents/agent-auth-cache";
import { ZTokenRequestForm } from "@/lib/agents/schemas";

export type TokenResponse = { access_token: string; token_type: "bearer"; expires_in: number };

/**
 * OAuth2 client credentials grant (RFC 6749 §4.4) as OPA performs it: client_id and
 * client_secret in HTTP Basic, `grant_type=client_credentials` in a form body. Errors carry the
 * RFC's `error` code next to the problem fields.
 */
export async function issueAgentAccessToken(options: {
  authorization: string | null;
  form: URLSearchParams;
}): Promise<TokenResponse> {
  const parsed = ZTokenRequestForm.safeParse(Object.fromEntries(options.form));
  if (!parsed.success) throw oauthError("bad_request", "invalid_request", "grant_type is required");
  const form = parsed.data;
  if (form.grant_type !== "client_credentials")
    throw oauthError("bad_request", "unsupported_grant_type", "Only grant_type=client_credentials is supported");
  const basic = basicCredentials(options.authorization);
  if (basic && (form.client_id || form.client_secret))
    throw oauthError(
      "bad_request",
      "invalid_request",
      "Send client credentials once: in the Authorization header or the body",
    );
  const clientId = basic?.id ?? form.client_id;
  const clientSecret = basic?.secret ?? form.client_secret;
  if (!clientId || !clientSecret)
    throw oauthError("unauthenticated", "invalid_client", "Client authentication is required");

  const credential = (await agentAuthSnapshot()).byClientId.get(clientId);
  const now = Date.now();
  if (
    credential?.kind !== "oauth2" ||
    !sameHash(credential.secretHash, hashSecret(clientSecret)) ||
    (credential.expiresAt !== null && credential.expiresAt <= now)
  ) {
    throw oauthError(
      "unauthenticated",
      "invalid_client",
      "The client is unknown, revoked or expired, or the secret is wrong",
    );
  }
  const { token, expiresIn } = await issueAgentJwt({
    signingKey: await agentTokenSigningKey(),
    credentialId: credential.id,
    now,
    notAfter: credential.expiresAt ?? undefined,
  });
  markCredentialUsed(credential.id, now);
  return { access_token: token, token_type: "bearer", expires_in: expiresIn };
}

function basicCredentials(header: string | null): { id: string; secret: string } | null {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw oauthError("bad_request", "invalid_request", "Malformed Basic credentials");
  // RFC 6749 §2.3.1 form-encodes both parts; OPA sends them raw. Our ids and secrets need no escaping either way.
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

function oauthError(code: "bad_request" | "unauthenticated", error: string, description: string): AppError {
  return new AppError(code, description, { extra: { error, error_description: description } });
}
