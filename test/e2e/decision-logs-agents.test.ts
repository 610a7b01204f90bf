import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@/lib/core/free-port";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/setup/embedded-postgres";
import { applyMigrations } from "@/lib/setup/migrate";

// Real `opa run -s` agents uploading decision logs to their own app instance, which runs on a
// fixed port against a PostgreSQL this file owns — so the app can be SIGKILLed and restarted under
// the agent, and the database stopped and started, with every decision still stored exactly once.
const testEnv = inject("testEnv");
const pgDir = path.join(os.tmpdir(), `verdict-dl-pg-${process.pid}`);
const pgPassword = randomBytes(12).toString("hex");
let pg: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir: pgDir, password: pgPassword, fast: true });
await ensureDatabase(pg.url("postgres"), "verdict_dl");
await applyMigrations(pg.url("verdict_dl"));
const appPort = await freePort();
const appUrl = `http://127.0.0.1:${appPort}`;
process.env.DATABASE_URL = pg.url("verdict_dl");
process.env.VERDICT_PUBLIC_URL = appUrl;

const { pool } = await import("@/lib/core/db");
const { createSigningKey } = await import("@/lib/bundles/signing-keys");
const { publishChangeRequest } = await import("@/lib/publishing/publish-change-request");
const { createTestUser } = await import("@/test/factories/actors");
const { createTestAgentCredential, eventually } = await import("@/test/factories/agents");
const { approvedScenario, TEST_OVERRIDE } = await import("@/test/factories/bundles");
const { gzipJson, decisionEvent } = await import("@/test/factories/decisions");
const { startAppInstance } = await import("@/test/support/app-process");
const { fastPolling, startOpaAgent } = await import("@/test/support/opa-agent");

type App = Awaited<ReturnType<typeof startAppInstance>>;
type Agent = Awaited<ReturnType<typeof startOpaAgent>>;
let app: App;
let agent: Agent;
let credential: Awaited<ReturnType<typeof createTestAgentCredential>>;
let scenario: Awaited<ReturnType<typeof approvedScenario>>;
const AGENT = "dl-agent";

const startApp = () =>
  startAppInstance(
    {
      DATABASE_URL: pg.url("verdict_dl"),
      OPA_BIN: testEnv.opaBin,
      NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
      VERDICT_MASTER_KEY: testEnv.VERDICT_MASTER_KEY,
    },
    { name: "app-decision-logs", port: appPort },
  );

beforeAll(async () => {
  const actors = {
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
  app = await startApp();
  agent = await startOpaAgent({
    name: AGENT,
    config: credential.opaConfig,
    tweak: (config) => {
      fastPolling()(config);
      config.decision_logs.reporting = { min_delay_seconds: 1, max_delay_seconds: 2 };
    },
  });
  await eventually(async () => expect(await agent.activeRevision(scenario.bundle.name)).toBe("r1"), {
    timeoutMs: 20_000,
  });
});

afterAll(async () => {
  await agent?.stop();
  await app?.stop();
  const { closeDb } = await import("@/lib/core/db");
  await closeDb();
  await pg.stop();
  rmSync(pgDir, { recursive: true, force: true });
});

const allowPath = () => `${scenario.packagePath.replaceAll(".", "/")}/allow`;
const callerOf = (i: number) => `spiffe://prod.example.com/ns/shop/sa/api-${i % 5}`;

/** One decision through the agent's REST API, as an enforcement point would ask it. */
async function decide(i: number): Promise<{ id: string; allowed: boolean }> {
  const user = i % 3 === 0 ? "bob" : "alice";
  const res = await fetch(`${agent.url}/v1/data/${allowPath()}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: { user, caller: callerOf(i), method: i % 2 ? "GET" : "POST", n: i } }),
  });
  const body = (await res.json()) as { result: boolean; decision_id: string };
  expect(body.decision_id).toEqual(expect.any(String));
  return { id: body.decision_id, allowed: body.result };
}

async function decideMany(from: number, count: number, paceMs = 0) {
  const out: Array<{ id: string; allowed: boolean; i: number }> = [];
  for (let i = from; i < from + count; i++) {
    out.push({ ...(await decide(i)), i });
    if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
  }
  return out;
}

/** Waits until every id is stored, then checks each is stored exactly once. */
async function expectStoredExactlyOnce(ids: string[], timeoutMs = 30_000) {
  await eventually(
    async () => {
      const { rows } = await pool().query(
        "SELECT count(DISTINCT decision_id)::int AS n FROM decisions WHERE decision_id = ANY($1)",
        [ids],
      );
      expect(rows[0].n).toBe(ids.length);
    },
    { timeoutMs, intervalMs: 250 },
  );
  const { rows } = await pool().query("SELECT count(*)::int AS n FROM decisions WHERE decision_id = ANY($1)", [ids]);
  expect(rows[0].n).toBe(ids.length);
}

describe("decision logs from real OPA agents", () => {
  it("stores all N decisions exactly once, with the right extracted fields", async () => {
    const sent = await decideMany(0, 120);
    await expectStoredExactlyOnce(sent.map((s) => s.id));
    const { rows } = await pool().query(
      "SELECT decision_id, path, allowed, caller, agent, revisions, unpublished, credential_id, input->>'user' AS user FROM decisions WHERE decision_id = ANY($1)",
      [sent.map((s) => s.id)],
    );
    const byId = new Map(rows.map((r) => [r.decision_id, r]));
    for (const s of sent) {
      expect(byId.get(s.id)).toEqual({
        decision_id: s.id,
        path: allowPath(),
        allowed: s.allowed,
        caller: callerOf(s.i),
        agent: AGENT,
        revisions: ["r1"],
        unpublished: false,
        credential_id: credential.credential.id,
        user: s.i % 3 === 0 ? "bob" : "alice",
      });
    }
    expect(sent.filter((s) => !s.allowed).length).toBe(40);
  });

  it("still has exactly N after the app is SIGKILLed and restarted mid-stream", async () => {
    const sending = decideMany(1000, 240, 10);
    await new Promise((r) => setTimeout(r, 1_200));
    await app.stop("SIGKILL");
    await new Promise((r) => setTimeout(r, 1_500));
    app = await startApp();
    const sent = await sending;
    await expectStoredExactlyOnce(
      sent.map((s) => s.id),
      45_000,
    );
  });

  it("still has exactly N after PostgreSQL was unavailable for a while (OPA retries, the endpoint answers 503)", async () => {
    await pg.stop();
    const sent = await decideMany(2000, 90);
    // While the database is down, the endpoint answers 503 and the agent keeps the batches.
    const res = await fetch(`${appUrl}/api/opa/logs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${credential.secret}`,
        "content-encoding": "gzip",
        "content-type": "application/json",
      },
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
    pg = await startEmbeddedPostgres({ dataDir: pgDir, password: pgPassword, port: pg.port, fast: true });
    await expectStoredExactlyOnce(
      sent.map((s) => s.id),
      45_000,
    );
    expect((await fetch(`${appUrl}/api/health`)).status).toBe(200);
  });
});
