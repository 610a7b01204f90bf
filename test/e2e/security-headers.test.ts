import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@/lib/core/free-port";
import { createTestUser } from "@/test/factories/actors";
import { appUrl } from "@/test/support/api";
import { startAppInstance, type AppInstance } from "@/test/support/app-process";
import { httpsRequest, startTlsProxy, type TlsProxy } from "@/test/support/tls-proxy";

describe("security headers", () => {
  it("gives pages a per-request nonce CSP that forbids framing and foreign scripts", async () => {
    const first = await fetch(`${appUrl()}/login`);
    const second = await fetch(`${appUrl()}/login`);
    const csp = first.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(second.headers.get("content-security-policy")).not.toContain(nonce);
    const html = await first.text();
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("x-frame-options")).toBe("DENY");
    expect(first.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("gives API responses the tightest policy and no-store caching", async () => {
    const res = await fetch(`${appUrl()}/api/v1/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("session cookies behind TLS", () => {
  let proxy: TlsProxy;
  let app: AppInstance;

  // A second instance whose public URL is https (NEXTAUTH_URL), reached through a TLS-terminating proxy.
  beforeAll(async () => {
    const testEnv = inject("testEnv");
    const port = await freePort();
    proxy = await startTlsProxy(`http://127.0.0.1:${port}`);
    app = await startAppInstance(
      {
        DATABASE_URL: testEnv.appDatabaseUrl!,
        OPA_BIN: testEnv.opaBin,
        NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
        VERDICT_MASTER_KEY: testEnv.VERDICT_MASTER_KEY,
        NEXTAUTH_URL: proxy.url,
        VERDICT_PUBLIC_URL: proxy.url,
      },
      { name: "app-tls", port },
    );
  });

  afterAll(async () => {
    await app?.stop();
    await proxy?.stop();
  });

  const cookieNamed = (lines: string[], name: string) => lines.find((l) => l.startsWith(`${name}=`));
  const pairs = (lines: string[]) => lines.map((l) => l.split(";")[0]).join("; ");

  it("signs in over https with Secure, HttpOnly, SameSite=Lax cookies under the __Secure-/__Host- prefixes", async () => {
    const password = "a long enough password";
    const user = await createTestUser(["viewer"], { password });
    const request = (
      path: string,
      options: { method?: string; headers?: Record<string, string>; body?: string } = {},
    ) => httpsRequest(`${proxy.url}${path}`, { caFile: proxy.caFile, ...options });

    const csrf = await request("/api/auth/csrf");
    const csrfCookies = csrf.headers["set-cookie"] ?? [];
    const csrfCookie = cookieNamed(csrfCookies, "__Host-next-auth.csrf-token");
    expect(csrfCookie).toBeDefined();
    const signIn = await request("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: pairs(csrfCookies) },
      body: new URLSearchParams({
        csrfToken: (JSON.parse(csrf.body) as { csrfToken: string }).csrfToken,
        email: user.email,
        password,
        json: "true",
      }).toString(),
    });
    const sessionCookies = signIn.headers["set-cookie"] ?? [];
    const session = cookieNamed(sessionCookies, "__Secure-next-auth.session-token");
    expect(session).toBeDefined();
    for (const cookie of [session!, csrfCookie!]) {
      const attributes = cookie
        .split(";")
        .slice(1)
        .map((a) => a.trim().toLowerCase());
      expect(attributes).toEqual(expect.arrayContaining(["secure", "httponly", "samesite=lax", "path=/"]));
      expect(attributes.some((a) => a.startsWith("domain="))).toBe(false);
    }
    // Nothing is set without Secure, and no unprefixed session cookie exists next to the prefixed one.
    for (const cookie of [...csrfCookies, ...sessionCookies]) expect(cookie.toLowerCase()).toMatch(/;\s*secure(;|$)/);
    expect(cookieNamed(sessionCookies, "next-auth.session-token")).toBeUndefined();

    const me = await request("/api/v1/me", { headers: { cookie: pairs(sessionCookies) } });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ id: user.userId, via: "session" });
  });
});
