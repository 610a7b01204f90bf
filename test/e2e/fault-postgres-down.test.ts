import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import type { Page } from "playwright-core";
import { freePort } from "@/lib/core/free-port";
import { startOwnDatabase } from "@/test/support/own-database";

// PostgreSQL unavailable, and two app instances: this file's own PostgreSQL, two app instances
// on it and a real OPA agent with its bundle. While the database is stopped, bundles are served
// from memory, ingestion and the API answer 503, and the console says the database is
// unavailable; when it is back, everything recovers by itself, with no app restart — including
// the LISTEN connection that carries a publish on one instance to the other within a second.
const testEnv = inject("testEnv");
const database = await startOwnDatabase("verdict_outage");
const firstPort = await freePort();
process.env.DATABASE_URL = database.url;
process.env.VERDICT_PUBLIC_URL = `http://127.0.0.1:${firstPort}`;

const { pool } = await import("@/lib/core/db");
const { createSigningKey, listedPublicKeys } = await import("@/lib/bundles/signing-keys");
const { publishChangeRequest } = await import("@/lib/publishing/publish-change-request");
const { createApiToken } = await import("@/lib/users/create-api-token");
const { savePolicyVersion } = await import("@/lib/policies/save-policy-version");
const { createChangeRequest } = await import("@/lib/change-requests/submit-change-request");
const { reviewChangeRequest } = await import("@/lib/reviews/review-change-request");
const { createTestUser } = await import("@/test/factories/actors");
const { createTestAgentCredential, eventually } = await import("@/test/factories/agents");
const { allowPolicy, approvedScenario, TEST_OVERRIDE } = await import("@/test/factories/bundles");
const { gzipJson, decisionEvent } = await import("@/test/factories/decisions");
const { startAppInstance } = await import("@/test/support/app-process");
const { fastPolling, startOpaAgent } = await import("@/test/support/opa-agent");
const { verifyWithOpa } = await import("@/test/support/bundle-verification");
const { signInWithPassword } = await import("@/test/support/session");
const { signedInPage } = await import("@/test/support/browser-session");
const { launchChromium } = await import("@/test/support/browser");

type App = Awaited<ReturnType<typeof startAppInstance>>;
type Agent = Awaited<ReturnType<typeof startOpaAgent>>;
let first: App;
let second: App;
let agent: Agent;
let browser: Browser;
let actors: {
  admin: Awaited<ReturnType<typeof createTestUser>>;
  author: Awaited<ReturnType<typeof createTestUser>>;
  reviewer: Awaited<ReturnType<typeof createTestUser>>;
};
let scenario: Awaited<ReturnType<typeof approvedScenario>>;
let credential: Awaited<ReturnType<typeof createTestAgentCredential>>;
let adminToken: string;
let consolePage: Page;
let navigatingPage: Page;
let sessionCookie: string;
let policyVersion = 1;

const startApp = (name: string, port?: number) =>
  startAppInstance(
    {
      DATABASE_URL: database.url,
      OPA_BIN: testEnv.opaBin,
      NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
      VERDICT_MASTER_KEY: testEnv.VERDICT_MASTER_KEY,
    },
    { name, port },
  );

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  await createSigningKey({ actor: actors.admin, input: { source: "generate", algorithm: "ES256", activate: true } });
  scenario = await approvedScenario(actors, { users: ["alice"] });
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  credential = await createTestAgentCredential(actors.admin, { bundles: [scenario.bundle.name], mayUploadLogs: true });
  adminToken = (
    await createApiToken({ actor: actors.admin, input: { name: "outage", roles: ["admin"], expiresInDays: 1 } })
  ).secret;
  [first, second] = [await startApp("app-outage-a", firstPort), await startApp("app-outage-b")];
  agent = await startOpaAgent({
    name: "outage",
    config: credential.opaConfig,
    tweak: (config) => {
      // Short long polls, so the agent makes several bundle requests while the database is down.
      fastPolling(2)(config);
      config.decision_logs.reporting = { min_delay_seconds: 1, max_delay_seconds: 2 };
    },
  });
  await eventually(async () => expect(await agent.activeRevision(scenario.bundle.name)).toBe("r1"), {
    timeoutMs: 20_000,
  });
  // Signed in before the outage: the session is a signed cookie, it outlives the database.
  browser = await launchChromium();
  consolePage = (await signedInPage(browser, ["viewer"], { baseUrl: first.url })).page;
  navigatingPage = await consolePage.context().newPage();
  await navigatingPage.goto("/policies");
  const viewer = await createTestUser(["viewer"], { password: "correct horse battery staple" });
  const session = await signInWithPassword(viewer.email, "correct horse battery staple", first.url);
  expect(session.ok).toBe(true);
  sessionCookie = session.cookie;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await first?.stop();
  await second?.stop();
  const { closeDb } = await import("@/lib/core/db");
  await closeDb();
  await database.destroy();
});

const allowPath = () => `${scenario.packagePath.replaceAll(".", "/")}/allow`;
const bundleUrl = (app: App) => `${app.url}/api/opa/bundles/${scenario.bundle.name}`;
const agentAuth = () => ({ authorization: `Bearer ${credential.secret}` });

/** A new policy version allowing `users`, in an approved change request (published by the caller). */
async function approvedVersion(users: string[]): Promise<number> {
  const saved = await savePolicyVersion({
    actor: actors.author,
    policyId: scenario.policy.id,
    input: {
      source: allowPolicy(scenario.packagePath, users),
      message: `allow ${users.join(", ")}`,
      expectedVersion: policyVersion,
    },
  });
  policyVersion += 1;
  const cr = await createChangeRequest({
    actor: actors.author,
    input: {
      title: `Allow ${users.join(", ")}`,
      description: "",
      items: [{ kind: "policy_version", policyVersionId: saved.version.id }],
    },
  });
  await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
  return cr.number;
}

function api(app: App, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${adminToken}`, ...(init.body ? { "content-type": "application/json" } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
}

/**
 * Publishes through one instance's API and measures, from the moment the publish has committed
 * (its 201), how long until the other instance serves the new revision — polling it with the
 * previous ETag, as an agent's plain poll would.
 */
async function publishOnFirstServedBySecond(users: string[]): Promise<{ revision: string; ms: number }> {
  const before = await fetch(bundleUrl(second), { headers: agentAuth() });
  const oldEtag = before.headers.get("etag")!;
  const number = await approvedVersion(users);
  const res = await api(first, `/api/v1/change-requests/${number}/publish`, {
    method: "POST",
    body: { overrideReason: TEST_OVERRIDE },
  });
  expect(res.status).toBe(201);
  const committed = performance.now();
  const revision = ((await res.json()) as { revisions: Array<{ revision: string; etag: string }> }).revisions[0]!;
  const served = await eventually(
    async () => {
      const r = await fetch(bundleUrl(second), { headers: { ...agentAuth(), "if-none-match": oldEtag } });
      expect(r.status).toBe(200);
      expect(r.headers.get("etag")).toBe(revision.etag);
      return Buffer.from(await r.arrayBuffer());
    },
    { timeoutMs: 1_000, intervalMs: 10 },
  );
  const ms = Math.round(performance.now() - committed);
  expect(await verifyWithOpa(served, (await listedPublicKeys())[0]!)).toBe(revision.revision);
  return { revision: revision.revision, ms };
}

async function decideMany(from: number, count: number) {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const res = await fetch(`${agent.url}/v1/data/${allowPath()}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: { user: i % 2 ? "alice" : "bob", n: i } }),
    });
    const body = (await res.json()) as { result: boolean; decision_id: string };
    expect(body.result).toBe(i % 2 === 1);
    ids.push(body.decision_id);
  }
  return ids;
}

async function storedCount(ids: string[]): Promise<number> {
  const { rows } = await pool().query("SELECT count(*)::int AS n FROM decisions WHERE decision_id = ANY($1)", [ids]);
  return rows[0].n;
}

describe("two app instances", () => {
  it("serve a publish made on one from the other within a second", async () => {
    const { revision, ms } = await publishOnFirstServedBySecond(["alice", "carol"]);
    console.log(`[outage] publish on instance A → served by instance B ${ms} ms after the commit (${revision})`);
    await eventually(async () => expect(await agent.activeRevision(scenario.bundle.name)).toBe(revision), {
      timeoutMs: 5_000,
    });
  });
});

describe("PostgreSQL unavailable", () => {
  let etag: string;
  let revision: string;
  let idsDuringOutage: string[];
  let stoppedAt: number;

  it("keeps serving bundles from memory: the agent keeps polling successfully and keeps deciding", async () => {
    revision = (await agent.activeRevision(scenario.bundle.name))!;
    etag = (await fetch(bundleUrl(first), { headers: agentAuth() })).headers.get("etag")!;
    const key = (await listedPublicKeys())[0]!;
    await database.stop();
    stoppedAt = Date.now();
    expect((await fetch(`${first.url}/api/health`)).status).toBe(503);
    // Both instances still hand out the whole signed bundle, answer 304 to the current ETag and hold long polls.
    for (const app of [first, second]) {
      const full = await fetch(bundleUrl(app), { headers: agentAuth() });
      expect(full.status).toBe(200);
      expect(await verifyWithOpa(Buffer.from(await full.arrayBuffer()), key)).toBe(revision);
      expect((await fetch(bundleUrl(app), { headers: { ...agentAuth(), "if-none-match": etag } })).status).toBe(304);
    }
    const held = performance.now();
    const longPoll = await fetch(bundleUrl(first), {
      headers: { ...agentAuth(), "if-none-match": etag, prefer: "modes=snapshot,delta;wait=1" },
    });
    expect(longPoll.status).toBe(304);
    expect(performance.now() - held).toBeGreaterThan(900);
    // The agent's own long polls (2 s) go on succeeding: a successful request after the stop, no error.
    await eventually(
      async () => {
        const status = (await agent.bundleStatus(scenario.bundle.name))!;
        expect(Date.parse(status.last_successful_request as string)).toBeGreaterThan(stoppedAt + 1_000);
        expect(status).not.toHaveProperty("code");
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(await agent.activeRevision(scenario.bundle.name)).toBe(revision);
    idsDuringOutage = await decideMany(0, 40);
  });

  it("answers 503 to decision-log uploads, so OPA keeps the batches and retries", async () => {
    const res = await fetch(`${first.url}/api/opa/logs`, {
      method: "POST",
      headers: { ...agentAuth(), "content-encoding": "gzip", "content-type": "application/json" },
      body: new Uint8Array(gzipJson([decisionEvent({ labels: { id: "probe", instance: "probe" } })])),
    });
    expect(res.status).toBe(503);
    await eventually(
      async () => {
        const status = (await (await fetch(`${agent.url}/v1/status`)).json()) as {
          result?: { decision_logs?: { http_code?: number } };
        };
        expect(status.result?.decision_logs?.http_code).toBe(503);
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
  });

  it("answers 503 with a problem document on the API, not 500", async () => {
    for (const app of [first, second]) {
      const res = await api(app, "/api/v1/policies");
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({
        type: "https://verdict.dev/problems/service_unavailable",
        status: 503,
        detail: expect.stringMatching(/database is unavailable/i),
      });
    }
  });

  it("shows 'Database unavailable' in the console instead of a crash", async () => {
    // A page already open: navigating renders the new page (which fails), under the layout in place.
    await navigatingPage.getByRole("link", { name: "Bundles" }).click();
    await expect
      .poll(() => navigatingPage.getByRole("heading", { name: "Database unavailable" }).isVisible(), {
        timeout: 10_000,
      })
      .toBe(true);
    // A page loaded afresh: the layout itself cannot read the session's user.
    const res = await fetch(`${first.url}/policies`, { headers: { cookie: sessionCookie } });
    expect(await res.text()).toContain("Database unavailable");
    await consolePage.goto("/policies");
    await expect
      .poll(() => consolePage.getByRole("heading", { name: "Database unavailable" }).isVisible(), { timeout: 10_000 })
      .toBe(true);
    expect(
      await consolePage.getByRole("alert").filter({ hasText: "cannot reach its PostgreSQL database" }).count(),
    ).toBe(1);
  });

  it("recovers by itself when PostgreSQL is back: API, ingestion of the buffered decisions, publish to the other instance", async () => {
    await database.start();
    const back = performance.now();
    await eventually(async () => expect((await api(first, "/api/v1/policies")).status).toBe(200), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const apiMs = Math.round(performance.now() - back);
    // At once, while the buffered decisions are still arriving: the other instance's LISTEN
    // connection must already be back for a publish on this one to reach it within a second.
    const { revision: next, ms } = await publishOnFirstServedBySecond(["alice", "carol", "dave"]);
    await eventually(async () => expect(await storedCount(idsDuringOutage)).toBe(idsDuringOutage.length), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const ingestMs = Math.round(performance.now() - back);
    await eventually(async () => expect(await agent.bundleStatus(scenario.bundle.name)).not.toHaveProperty("code"), {
      timeoutMs: 5_000,
    });
    // OPA clears its decision-log error with the next status it computes, not with the upload itself.
    await eventually(
      async () =>
        expect((await (await fetch(`${agent.url}/v1/status`)).json()).result.decision_logs).not.toHaveProperty(
          "http_code",
        ),
      { timeoutMs: 5_000 },
    );
    for (const app of [first, second]) expect((await api(app, "/api/v1/policies")).status).toBe(200);
    // The console pages that showed the outage come back by themselves.
    await expect
      .poll(() => consolePage.getByRole("heading", { name: "Policies" }).isVisible(), { timeout: 15_000 })
      .toBe(true);
    await expect
      .poll(() => navigatingPage.getByRole("heading", { name: "Bundles" }).isVisible(), { timeout: 15_000 })
      .toBe(true);
    await eventually(async () => expect(await agent.activeRevision(scenario.bundle.name)).toBe(next), {
      timeoutMs: 5_000,
    });
    expect(await agent.decide(allowPath(), { user: "dave" })).toBe(true);
    expect(await storedCount(idsDuringOutage)).toBe(idsDuringOutage.length);
    console.log(
      `[outage] after PostgreSQL returned: API 200 after ${apiMs} ms, all ${idsDuringOutage.length} buffered decisions stored once after ${ingestMs} ms; publish on A → served by B ${ms} ms after the commit`,
    );
  });
});
