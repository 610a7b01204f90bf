import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@/lib/core/free-port";
import { startOwnDatabase } from "@/test/support/own-database";

// Kill -9 of the app while it publishes: an app instance of this file's own (fixed port, own
// PostgreSQL) publishes a large allowlist bundle through the API while a real long-polling OPA
// agent is attached, and is SIGKILLed at points spread over the publish. After a restart on the
// same database, either the old or the new revision is live — whole and correctly signed, as
// opa itself verifies — the change request is published with it or still publishable, and the
// agent never saw a bundle that failed verification.
const testEnv = inject("testEnv");
const database = await startOwnDatabase("verdict_kill");
const appPort = await freePort();
const appUrl = `http://127.0.0.1:${appPort}`;
process.env.DATABASE_URL = database.url;
process.env.VERDICT_PUBLIC_URL = appUrl;

const { pool } = await import("@/lib/core/db");
const { createSigningKey, listedPublicKeys } = await import("@/lib/bundles/signing-keys");
const { createApiToken } = await import("@/lib/users/create-api-token");
const { reviewChangeRequest } = await import("@/lib/reviews/review-change-request");
const { grantAccess } = await import("@/lib/allowlists/grant-access");
const { createTestUser } = await import("@/test/factories/actors");
const { createTestAgentCredential, eventually } = await import("@/test/factories/agents");
const { createServiceWithEndpoints, entry, shipAllowlistBundle } = await import("@/test/factories/allowlists");
const { seedBulkAllowlists } = await import("@/test/factories/bulk-allowlists");
const { startAppInstance } = await import("@/test/support/app-process");
const { fastPolling, startOpaAgent } = await import("@/test/support/opa-agent");
const { checkStoredRevisions, verifyWithOpa } = await import("@/test/support/bundle-verification");

type App = Awaited<ReturnType<typeof startAppInstance>>;
type Agent = Awaited<ReturnType<typeof startOpaAgent>>;
let app: App;
let agent: Agent;
let actors: Awaited<ReturnType<typeof makeActors>>;
let adminToken: string;
let credentialSecret: string;
const BUNDLE = "authz";
// ~40,000 grants make a bundle of a few MB whose publish (load, build, sign, opa check, store)
// takes long enough on this machine for kills to land before, during and after the commit.
const GRANTS = { services: 300, callers: 8_000, grantsPerCaller: 5 };
const agentProblems: string[] = [];
const VERIFICATION_FAILURE = /verif|signature|digest|hash|scope|manifest/i;
let sampler: NodeJS.Timeout | undefined;

const makeActors = async () => ({
  admin: await createTestUser(["admin"]),
  author: await createTestUser(["author"]),
  reviewer: await createTestUser(["reviewer"]),
});
const startApp = () =>
  startAppInstance(
    {
      DATABASE_URL: database.url,
      OPA_BIN: testEnv.opaBin,
      NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
      VERDICT_MASTER_KEY: testEnv.VERDICT_MASTER_KEY,
    },
    { name: "app-publish-kill", port: appPort },
  );

beforeAll(async () => {
  actors = await makeActors();
  await createSigningKey({ actor: actors.admin, input: { source: "generate", algorithm: "ES256", activate: true } });
  await shipAllowlistBundle(actors, BUNDLE);
  const seeded = await seedBulkAllowlists(pool(), { prefix: "kill", ...GRANTS, createdById: actors.author.userId });
  console.log(`[publish-kill] seeded ${seeded.entries} grants`);
  adminToken = (
    await createApiToken({ actor: actors.admin, input: { name: "publisher", roles: ["admin"], expiresInDays: 1 } })
  ).secret;
  const credential = await createTestAgentCredential(actors.admin, { bundles: [BUNDLE] });
  credentialSecret = credential.secret;
  app = await startApp();
  agent = await startOpaAgent({ name: "publish-kill", config: credential.opaConfig, tweak: fastPolling() });
  await eventually(async () => expect(await agent.activeRevision(BUNDLE)).toBe("r1"), { timeoutMs: 20_000 });
  // Everything the agent reports about its bundle, sampled all along: connection failures while
  // the app is down are expected; a verification failure never is.
  sampler = setInterval(() => void sampleAgent(), 100);
}, 180_000);

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  await agent?.stop();
  await app?.stop();
  const { closeDb } = await import("@/lib/core/db");
  await closeDb();
  await database.destroy();
});

async function sampleAgent() {
  const status = await agent.bundleStatus(BUNDLE).catch(() => null);
  if (status && (status.code || status.errors)) {
    const text = JSON.stringify({ code: status.code, message: status.message, errors: status.errors });
    if (!agentProblems.includes(text)) agentProblems.push(text);
  }
}

/** A grant for a caller no other run uses, proposed as a change request and approved. */
async function approvedGrant(run: string) {
  const service = await createServiceWithEndpoints(actors.author, { endpoints: [["GET", "/orders/{id}"]] });
  const caller = `spiffe://prod.example/ns/kill/sa/${run}`;
  const proposed = await grantAccess({
    actor: actors.author,
    input: entry(service.name, "GET", "/orders/{id}", caller),
  });
  const number = proposed.changeRequest!.number;
  await reviewChangeRequest({ actor: actors.reviewer, number, input: { verdict: "approve", body: "" } });
  return {
    number,
    id: proposed.changeRequest!.id,
    input: { caller, service: service.name, method: "GET", path: "/orders/7" },
  };
}

function publishThroughApi(number: number): Promise<Response> {
  return fetch(`${appUrl}/api/v1/change-requests/${number}/publish`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: "{}",
  });
}

async function decideAsAgent(input: unknown): Promise<boolean> {
  return (await agent.decide("verdict/authz/allow", input)) === true;
}

async function servedBundle(): Promise<{ bytes: Buffer; etag: string }> {
  const res = await fetch(`${appUrl}/api/opa/bundles/${BUNDLE}`, {
    headers: { authorization: `Bearer ${credentialSecret}` },
  });
  expect(res.status).toBe(200);
  return { bytes: Buffer.from(await res.arrayBuffer()), etag: res.headers.get("etag")! };
}

/** The state after a restart: whole revisions only, the CR consistent with them, opa accepts what is served. */
async function expectConsistent(cr: { id: string }, before: number) {
  const revisions = await checkStoredRevisions(pool(), BUNDLE);
  expect(revisions.flatMap((r) => r.problems)).toEqual([]);
  const forCr = revisions.filter((r) => r.changeRequestId === cr.id);
  const { rows } = await pool().query<{ status: string }>("SELECT status FROM change_requests WHERE id = $1", [cr.id]);
  const status = rows[0]!.status;
  if (status === "published") {
    expect(forCr).toHaveLength(1);
    expect(revisions).toHaveLength(before + 1);
  } else {
    expect(status).toBe("approved");
    expect(forCr).toHaveLength(0);
    expect(revisions).toHaveLength(before);
  }
  const latest = revisions.at(-1)!;
  const served = await servedBundle();
  const key = (await listedPublicKeys())[0]!;
  expect(await verifyWithOpa(served.bytes, key)).toBe(latest.revision);
  return { published: status === "published", latest: latest.revision };
}

async function expectAgentOn(revision: string, grantInput: unknown, granted: boolean) {
  await eventually(async () => expect(await agent.activeRevision(BUNDLE)).toBe(revision), {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  expect(await decideAsAgent(grantInput)).toBe(granted);
}

/** What the app's database connections were doing at the moment of the kill (for the report). */
async function appActivity(): Promise<string> {
  const { rows } = await pool().query<{ state: string; query: string }>(
    `SELECT state, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        AND state <> 'idle' AND application_name <> 'verdict-listener'`,
  );
  return rows.map((r) => `${r.state}: ${r.query}`).join(" | ") || "no statement in flight";
}

/** Polls until `probe` holds; the kill then lands at that stage of the publish. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return what;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`the publish never reached: ${what}`);
}

const appStatement = (like: string) => async () =>
  Boolean(
    (
      await pool().query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND state IN ('active', 'idle in transaction') AND query LIKE $1`,
        [like],
      )
    ).rowCount,
  );

/** True while a descendant of the app process runs `opa build` (the publish's signature and compile check). */
function opaCheckRunning(): Promise<boolean> {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8"));
    } catch {
      // the process ended while we looked
    }
  }
  const stack = [app.pid];
  while (stack.length) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (/opa\0build\0/.test(commands.get(child) ?? "")) return Promise.resolve(true);
      stack.push(child);
    }
  }
  return Promise.resolve(false);
}

/** Starts a publish, SIGKILLs the app when `killPoint` resolves, restarts it and checks everything. */
async function killDuringPublish(run: string, killPoint: (cr: { id: string }) => Promise<string>) {
  const before = (await checkStoredRevisions(pool(), BUNDLE)).length;
  const cr = await approvedGrant(run);
  const started = performance.now();
  const response = publishThroughApi(cr.number).then(
    (r) => String(r.status),
    () => "connection lost",
  );
  const when = await killPoint(cr);
  const activity = await appActivity();
  await app.stop("SIGKILL");
  console.log(
    `[publish-kill] ${run}: killed ${Math.round(performance.now() - started)} ms into the publish (${when}; app was at ${activity}); client saw ${await response}`,
  );
  const restarted = performance.now();
  app = await startApp();
  const after = await expectConsistent(cr, before);
  await expectAgentOn(after.latest, cr.input, after.published);
  console.log(
    `[publish-kill] ${run}: ${after.published ? `published as ${after.latest}` : `still approved, r${before} live`}; app healthy and agent on ${after.latest} ${Math.round(performance.now() - restarted)} ms after the restart began`,
  );
  if (!after.published) {
    // Nothing of the killed publish survived: publishing again works and ships the grant.
    const res = await publishThroughApi(cr.number);
    expect(res.status).toBe(201);
    const again = await expectConsistent(cr, before);
    expect(again).toEqual({ published: true, latest: `r${before + 1}` });
    await expectAgentOn(again.latest, cr.input, true);
  }
  await sampleAgent();
  expect(agentProblems.filter((p) => VERIFICATION_FAILURE.test(p))).toEqual([]);
  expect(
    readFileSync(agent.logFile, "utf8")
      .split("\n")
      .filter((line) => /"level":"(error|warning)"/.test(line) && VERIFICATION_FAILURE.test(line)),
  ).toEqual([]);
  return after;
}

describe("SIGKILL of the app during a publish", () => {
  it("publishes the large bundle through the API (the measured publish time)", async () => {
    const cr = await approvedGrant("measure");
    expect(await decideAsAgent(cr.input)).toBe(false);
    const started = performance.now();
    const res = await publishThroughApi(cr.number);
    const publishMs = performance.now() - started;
    expect(res.status).toBe(201);
    const body = (await res.json()) as { revisions: Array<{ revision: string; size: number }> };
    console.log(`[publish-kill] publish of ${body.revisions[0]!.size} bytes took ${Math.round(publishMs)} ms`);
    expect((await expectConsistent(cr, 1)).latest).toBe("r2");
    await expectAgentOn("r2", cr.input, true);
  });

  // Kill points by what the publish is doing, observed from outside (its SQL in
  // pg_stat_activity, its opa child process), so they land there however loaded the machine is.
  it("leaves the old revision whole when killed while the publish loads the allowlists", async () => {
    const after = await killDuringPublish("loading", () =>
      until("reading the grants", appStatement("%SELECT e.id, e.endpoint_id%")),
    );
    expect(after.published).toBe(false);
  });

  it("leaves the old revision whole when killed while opa checks the signed bundle", async () => {
    const after = await killDuringPublish("opa-check", () =>
      until("opa build --verification-key running", opaCheckRunning),
    );
    expect(after.published).toBe(false);
  });

  it("leaves the old revision whole when killed after the revision row is written but before the commit", async () => {
    const after = await killDuringPublish("after-insert", () =>
      until("revision row written, not committed", appStatement('INSERT INTO "public"."bundle_revisions"%')),
    );
    expect(after.published).toBe(false);
  });

  it("serves the new revision whole when killed right after the commit, before the publish answered", async () => {
    const after = await killDuringPublish("after-commit", (cr) =>
      until(
        "change request committed as published",
        async () =>
          (await pool().query("SELECT 1 FROM change_requests WHERE status = 'published' AND id = $1", [cr.id]))
            .rowCount === 1,
      ),
    );
    expect(after.published).toBe(true);
  });
});
