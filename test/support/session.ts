import { appUrl } from "./api";

/**
 * Signs in through next-auth's real credentials flow (CSRF token, callback) and returns the
 * session cookie header plus the raw Set-Cookie lines, as a browser would receive them.
 */
export async function signInWithPassword(
  email: string,
  password: string,
  baseUrl = appUrl(),
): Promise<{ ok: boolean; cookie: string; setCookies: string[]; location: string | null }> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookies = csrf.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookies },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const setCookies = res.headers.getSetCookie();
  const body = (await res.json().catch(() => null)) as { url?: string } | null;
  const session = setCookies.find((c) => /next-auth\.session-token=/.test(c));
  return {
    ok: Boolean(session),
    cookie: [csrfCookies, ...setCookies.map((c) => c.split(";")[0])].join("; "),
    setCookies,
    location: res.headers.get("location") ?? body?.url ?? null,
  };
}
