import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { encode } from "next-auth/jwt";
import { db } from "@/lib/core/db";
import { hashSecret } from "@/lib/auth/secret-tokens";
import { SESSION_MAX_AGE_SECONDS } from "@/lib/auth/next-auth-options";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential } from "@/test/factories/agents";
import { appUrl, callApi, tokenFor } from "@/test/support/api";
import { signInWithPassword } from "@/test/support/session";

// Forged, altered and stale credentials on the console side: opaque /api/v1 API tokens and the
// next-auth session cookie, over HTTP against the running app.

const SESSION_COOKIE = "next-auth.session-token";

/** Replaces one character in the middle of a token with a different one from the same alphabet. */
function oneByteChanged(value: string, at = Math.floor(value.length / 2)): string {
  const c = value[at]!;
  return value.slice(0, at) + (c === "A" ? "B" : "A") + value.slice(at + 1);
}

async function expectUnauthenticated(res: Awaited<ReturnType<typeof callApi>>): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.body).toMatchObject({ status: 401 });
}

describe("API tokens (/api/v1)", () => {
  it("control: a genuine token is accepted", async () => {
    const { token, user } = await tokenFor(["viewer"]);
    const me = await callApi("/api/v1/me", { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.userId, via: "token" });
  });

  it("refuses an unknown token, a token with one byte changed, and other kinds of secrets", async () => {
    const { token } = await tokenFor(["viewer"]);
    await expectUnauthenticated(await callApi("/api/v1/me", { token: `vdt_${randomBytes(32).toString("base64url")}` }));
    await expectUnauthenticated(await callApi("/api/v1/me", { token: oneByteChanged(token) }));
    await expectUnauthenticated(await callApi("/api/v1/me", { token: oneByteChanged(token, token.length - 1) }));
    await expectUnauthenticated(await callApi("/api/v1/me", { token: token.slice(0, -1) }));
    await expectUnauthenticated(await callApi("/api/v1/me", { token: `${token}A` }));
    // An agent credential is no API token, even for the admin who created it.
    const admin = await createTestUser(["admin"]);
    const agent = await createTestAgentCredential(admin);
    await expectUnauthenticated(await callApi("/api/v1/me", { token: agent.secret }));
    // The original still works: the refusals above were about the bytes, not the account.
    expect((await callApi("/api/v1/me", { token })).status).toBe(200);
  });

  it("refuses a revoked token at once", async () => {
    const { token } = await tokenFor(["author"]);
    const id = (await db.apiToken.findUniqueOrThrow({ where: { tokenHash: hashSecret(token) } })).id;
    const revoked = await callApi(`/api/v1/tokens/${id}`, { token, method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    await expectUnauthenticated(await callApi("/api/v1/me", { token }));
    await expectUnauthenticated(await callApi("/api/v1/policies", { token, body: { name: "x" } }));
  });

  it("refuses an expired token", async () => {
    const { token } = await tokenFor(["author"]);
    expect((await callApi("/api/v1/me", { token })).status).toBe(200);
    await db.apiToken.update({
      where: { tokenHash: hashSecret(token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expectUnauthenticated(await callApi("/api/v1/me", { token }));
  });
});

describe("session cookies", () => {
  const password = "a long enough password";
  let user: Awaited<ReturnType<typeof createTestUser>>;
  let sessionToken: string;

  const withSession = (value: string) => ({ cookie: `${SESSION_COOKIE}=${value}` });
  const page = (value: string) => fetch(`${appUrl()}/policies`, { redirect: "manual", headers: withSession(value) });
  /** A session JWT in next-auth's own format (JWE, key derived from the secret), naming the user. */
  const forgedSession = (secret: string) =>
    encode({
      token: { email: user.email, name: user.name, uid: user.userId, sub: user.userId },
      secret,
      maxAge: SESSION_MAX_AGE_SECONDS,
    });

  async function expectSignedOut(value: string): Promise<void> {
    await expectUnauthenticated(await callApi("/api/v1/me", { headers: withSession(value) }));
    const res = await page(value);
    expect(res.status).toBe(307);
    expect(new URL(res.headers.get("location")!, appUrl()).pathname).toBe("/login");
  }

  beforeAll(async () => {
    user = await createTestUser(["author"], { password });
    const signedIn = await signInWithPassword(user.email, password);
    expect(signedIn.ok).toBe(true);
    sessionToken = signedIn.setCookies
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
      .split(";")[0]!
      .slice(SESSION_COOKIE.length + 1);
  });

  it("control: the genuine cookie, and one sealed with the app's secret, are signed in", async () => {
    expect((await callApi("/api/v1/me", { headers: withSession(sessionToken) })).body).toMatchObject({
      id: user.userId,
      via: "session",
    });
    expect((await page(sessionToken)).status).toBe(200);
    const sealedWithAppSecret = await forgedSession(inject("testEnv").NEXTAUTH_SECRET);
    expect((await callApi("/api/v1/me", { headers: withSession(sealedWithAppSecret) })).body).toMatchObject({
      id: user.userId,
    });
  });

  it("treats a tampered cookie as signed out (401 on the API, sign-in redirect on pages)", async () => {
    const parts = sessionToken.split(".");
    expect(parts).toHaveLength(5);
    // Each part of the JWE: protected header, (empty) key, IV, ciphertext, tag.
    for (const index of [0, 2, 3, 4]) {
      const changed = [...parts];
      changed[index] = oneByteChanged(changed[index]!);
      await expectSignedOut(changed.join("."));
    }
  });

  it("treats a cookie sealed with another secret, or an unsigned JWT, as signed out", async () => {
    await expectSignedOut(await forgedSession(randomBytes(32).toString("base64url")));
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    await expectSignedOut(
      `${b64({ alg: "none", typ: "JWT" })}.${b64({ uid: user.userId, sub: user.userId, email: user.email, iat: now, exp: now + 3600 })}.`,
    );
  });
});
