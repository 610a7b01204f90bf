import { randomBytes, randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { basicAuth, createTestAgentCredential, eventually } from "@/test/factories/agents";
import { decisionEvent, gzipJson } from "@/test/factories/decisions";
import { appUrl, callApi, tokenFor } from "@/test/support/api";
import { gzipBomb } from "@/test/support/gzip-bomb";
import { revokeAgentCredential } from "@/lib/agents/revoke-agent-credential";

let admin: Actor;
type Credential = Awaited<ReturnType<typeof createTestAgentCredential>>;
let uploader: Credential;
let statusOnly: Credential;
let revoked: Credential;
const marker = `bad-input-${randomUUID().slice(0, 8)}`;

function upload(body: Buffer | string, headers: Record<string, string> = {}, token: string | null = uploader.secret) {
  return fetch(`${appUrl()}/api/opa/logs`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "gzip",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
}

const events = (n: number, instance: string) =>
  Array.from({ length: n }, () => decisionEvent({ labels: { id: randomUUID(), instance } }));
const storedFor = async (instance: string) =>
  Number((await pool().query("SELECT count(*) FROM decisions WHERE agent = $1", [instance])).rows[0].count);

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  uploader = await createTestAgentCredential(admin, { mayUploadLogs: true });
  statusOnly = await createTestAgentCredential(admin, { mayUploadLogs: false });
  revoked = await createTestAgentCredential(admin, { mayUploadLogs: true });
  await revokeAgentCredential({ actor: admin, id: revoked.credential.id });
  // The app learns of new credentials through NOTIFY.
  await eventually(async () => expect((await upload(gzipJson([]))).status).toBe(200), { timeoutMs: 5_000 });
});

describe("POST /api/opa/logs", () => {
  it("stores a batch once, 200 only after the commit, and a retried batch again stores nothing", async () => {
    const instance = `agent-${randomUUID().slice(0, 8)}`;
    const batch = gzipJson(events(25, instance));
    const first = await upload(batch, { "accept-encoding": "gzip" });
    expect(first.status).toBe(200);
    // Not re-compressed by the framework (a zlib stream per response costs more than the answer).
    expect(first.headers.get("content-encoding")).toBeNull();
    expect(first.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(await first.json()).toEqual({ received: 25, stored: 25, duplicates: 0, expired: 0 });
    expect(await storedFor(instance)).toBe(25);
    const retried = await upload(batch);
    expect(await retried.json()).toEqual({ received: 25, stored: 0, duplicates: 25, expired: 0 });
    expect(await storedFor(instance)).toBe(25);
    const row = (await pool().query("SELECT credential_id FROM decisions WHERE agent = $1 LIMIT 1", [instance]))
      .rows[0];
    expect(row.credential_id).toBe(uploader.credential.id);
  });

  it("accepts OAuth2 access tokens from POST /api/opa/token", async () => {
    const oauth = await createTestAgentCredential(admin, { kind: "oauth2", mayUploadLogs: true });
    const token = await eventually(
      async () => {
        const res = await fetch(`${appUrl()}/api/opa/token`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            authorization: basicAuth(oauth.credential.clientId!, oauth.secret),
          },
          body: "grant_type=client_credentials",
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { access_token: string }).access_token;
      },
      { timeoutMs: 5_000 },
    );
    const instance = `oauth-${randomUUID().slice(0, 8)}`;
    expect((await upload(gzipJson(events(3, instance)), {}, token)).status).toBe(200);
    expect(await storedFor(instance)).toBe(3);
  });

  it.each<
    [string, () => Promise<{ body: Buffer | string; headers?: Record<string, string>; token?: string | null }>, number]
  >([
    ["a body that is not gzip", async () => ({ body: JSON.stringify(events(2, marker)) }), 400],
    [
      "truncated gzip",
      async () => {
        const z = gzipJson(events(40, marker));
        return { body: z.subarray(0, z.length - 30) };
      },
      400,
    ],
    ["a gzip bomb (4 GiB when inflated)", async () => ({ body: await gzipBomb(4096) }), 413],
    ["a body over the compressed limit", async () => ({ body: randomBytes(9 * 1024 * 1024) }), 413],
    [
      "JSON that is not an array",
      async () => ({ body: gzipJson({ ...decisionEvent({ labels: { id: "x", instance: marker } }) }) }),
      400,
    ],
    [
      "events missing required fields",
      async () => ({ body: gzipJson([...events(2, marker), { labels: { instance: marker }, path: "a/b" }]) }),
      422,
    ],
    [
      "one huge event",
      async () => ({
        body: gzipSync(
          JSON.stringify([
            ...events(1, marker),
            decisionEvent({ labels: { id: "x", instance: marker }, input: { blob: "x".repeat(2 * 1024 * 1024) } }),
          ]),
        ),
      }),
      413,
    ],
    [
      "an unknown Content-Encoding",
      async () => ({ body: gzipJson(events(1, marker)), headers: { "content-encoding": "br" } }),
      415,
    ],
    ["no credentials", async () => ({ body: gzipJson(events(1, marker)), token: null }), 401],
    [
      "an unknown token",
      async () => ({ body: gzipJson(events(1, marker)), token: `vda_${randomBytes(32).toString("base64url")}` }),
      401,
    ],
    ["a revoked credential", async () => ({ body: gzipJson(events(1, marker)), token: revoked.secret }), 401],
    [
      "a credential that may not upload logs",
      async () => ({ body: gzipJson(events(1, marker)), token: statusOnly.secret }),
      403,
    ],
  ])("refuses %s with the right status, stores nothing and stays healthy", async (_name, make, status) => {
    const req = await make();
    const res = await upload(req.body, req.headers, req.token === undefined ? uploader.secret : req.token);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await res.json()) as { status: number; detail: string; errors?: Array<{ path: string }> };
    expect(problem.status).toBe(status);
    if (status === 422) expect(problem.errors?.map((e) => e.path)).toEqual(["[2].decision_id", "[2].timestamp"]);
    if (status === 401) expect(res.headers.get("www-authenticate")).toBe('Bearer realm="verdict"');
    expect(await storedFor(marker)).toBe(0);
    expect((await fetch(`${appUrl()}/api/health`)).status).toBe(200);
  });
});

describe("decisions over the REST API", () => {
  it("lets auditors list and export what agents uploaded, records the export, and refuses viewers", async () => {
    const instance = `api-${randomUUID().slice(0, 8)}`;
    await upload(gzipJson(events(12, instance)));
    const auditor = await tokenFor(["auditor"]);
    const page = await callApi(`/api/v1/decisions?agent=${instance}&limit=5`, { token: auditor.token });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(5);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const stats = await callApi(`/api/v1/decisions/stats?agent=${instance}`, { token: auditor.token });
    expect(stats.body.totals.all).toBe(12);
    const res = await fetch(`${appUrl()}/api/v1/decisions/export?format=csv&agent=${instance}`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="decisions_.*\.csv"$/);
    expect((await res.text()).trimEnd().split("\r\n")).toHaveLength(13);
    const audit = await db.auditEvent.findFirst({
      where: { action: "decisions.export", actorId: auditor.user.userId },
    });
    expect(audit?.after).toMatchObject({ format: "csv", filter: { agent: instance } });
    const viewer = await tokenFor(["viewer"]);
    expect((await callApi(`/api/v1/decisions?agent=${instance}`, { token: viewer.token })).status).toBe(403);
    const bad = await callApi(`/api/v1/decisions?match=${encodeURIComponent("input.method = DELETE")}`, {
      token: auditor.token,
    });
    expect([bad.status, bad.body.errors?.[0]?.path]).toEqual([422, "query.match"]);
  });
});
