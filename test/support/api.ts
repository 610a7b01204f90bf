import { inject } from "vitest";
import type { Role } from "@/lib/auth/roles";
import { createTestUser } from "@/test/factories/actors";
import { createApiToken } from "@/lib/users/create-api-token";

export function appUrl(): string {
  const url = inject("testEnv").appUrl;
  if (!url) throw new Error("the app server is not running (e2e project only)");
  return url;
}

/** A user with these roles and an API token that acts as them (for HTTP tests against the app). */
export async function tokenFor(roles: Role[]) {
  const user = await createTestUser(roles);
  const { secret } = await createApiToken({ actor: user, input: { name: "test", roles, expiresInDays: 1 } });
  return { user, token: secret };
}

export type ApiResponse<T = any> = { status: number; body: T; headers: Headers };

/** Calls the running app. A plain object body is sent as JSON; a string or Buffer is sent as is. */
export async function callApi<T = any>(
  path: string,
  options: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined;
  if (typeof options.body === "string" || Buffer.isBuffer(options.body)) body = options.body as BodyInit;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${appUrl()}${path}`, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}
