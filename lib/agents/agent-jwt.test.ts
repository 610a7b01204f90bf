import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, SignJWT, type CryptoKey } from "jose";
import {
  AGENT_TOKEN_AUDIENCE,
  AGENT_TOKEN_ISSUER,
  AGENT_TOKEN_TYPE,
  AgentJwtError,
  issueAgentJwt,
  looksLikeJwt,
  verifyAgentJwt,
} from "@/lib/agents/agent-jwt";

let signing: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
const credentialId = randomUUID();

beforeAll(async () => {
  signing = await generateKeyPair("ES256");
  other = await generateKeyPair("ES256");
});

const keys = () => new Map([["k1", signing.publicKey]]);

function forged(
  overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown>; omit?: string[] } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: AGENT_TOKEN_ISSUER,
    aud: AGENT_TOKEN_AUDIENCE,
    sub: credentialId,
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 60,
    ...overrides.claims,
  };
  for (const name of overrides.omit ?? []) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({
    alg: "ES256",
    kid: "k1",
    typ: AGENT_TOKEN_TYPE,
    ...overrides.header,
  } as never);
}

async function rejection(token: string): Promise<AgentJwtError> {
  const error = await verifyAgentJwt(token, keys()).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentJwtError);
  return error as AgentJwtError;
}

describe("agent access tokens", () => {
  it("issues a token that verifies and names its credential", async () => {
    const { token, expiresIn } = await issueAgentJwt({
      signingKey: { kid: "k1", key: signing.privateKey },
      credentialId,
    });
    expect(expiresIn).toBe(300);
    expect(looksLikeJwt(token)).toBe(true);
    const claims = await verifyAgentJwt(token, keys());
    expect(claims.credentialId).toBe(credentialId);
    expect(claims.expiresAt).toBeGreaterThan(Date.now());
  });

  it("never outlives the credential", async () => {
    const notAfter = Date.now() + 30_000;
    const { expiresIn } = await issueAgentJwt({
      signingKey: { kid: "k1", key: signing.privateKey },
      credentialId,
      notAfter,
    });
    expect(expiresIn).toBeLessThanOrEqual(30);
  });

  it("refuses an expired token and one not yet valid", async () => {
    const { token } = await issueAgentJwt({
      signingKey: { kid: "k1", key: signing.privateKey },
      credentialId,
      now: Date.now() - 400_000,
    });
    expect((await rejection(token)).message).toBe("ERR_JWT_EXPIRED");
    const future = Math.floor(Date.now() / 1000) + 120;
    expect(
      (
        await rejection(
          await forged({ claims: { nbf: future, iat: future, exp: future + 60 } }).sign(signing.privateKey),
        )
      ).message,
    ).toBe("ERR_JWT_CLAIM_VALIDATION_FAILED");
  });

  it("refuses a wrong issuer, audience or type", async () => {
    await rejection(await forged({ claims: { iss: "someone-else" } }).sign(signing.privateKey));
    await rejection(await forged({ claims: { aud: "another-service" } }).sign(signing.privateKey));
    await rejection(await forged({ header: { typ: "JWT" } }).sign(signing.privateKey));
  });

  it("requires jti, sub, nbf and a UUID-shaped jti", async () => {
    for (const claim of ["jti", "sub", "nbf", "iat", "exp"]) {
      await rejection(await forged({ omit: [claim] }).sign(signing.privateKey));
    }
    expect((await rejection(await forged({ claims: { jti: "x" } }).sign(signing.privateKey))).message).toBe(
      "malformed jti",
    );
  });

  it("refuses a token signed by another key, with an unknown kid, or tampered with", async () => {
    await rejection(await forged().sign(other.privateKey));
    expect((await rejection(await forged({ header: { kid: "k9" } }).sign(signing.privateKey))).message).toBe(
      "unknown key id",
    );
    const [h, p, s] = (await forged().sign(signing.privateKey)).split(".");
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString());
    payload.sub = randomUUID();
    await rejection(`${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`);
  });

  it("pins the algorithm: HS256 and alg=none are refused", async () => {
    const secret = new TextEncoder().encode("x".repeat(32));
    await rejection(await forged({ header: { alg: "HS256" } }).sign(secret));
    const header = Buffer.from(JSON.stringify({ alg: "none", kid: "k1", typ: AGENT_TOKEN_TYPE })).toString("base64url");
    const [, payload] = (await forged().sign(signing.privateKey)).split(".");
    await rejection(`${header}.${payload}.`);
  });
});
