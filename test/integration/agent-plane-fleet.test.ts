import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { heldLongPolls } from "@/lib/agents/plane/serve-bundle-request";
import { flushAgentStatus, pendingAgentStatusCount } from "@/lib/agents/record-agent-status";
import { revokeAgentCredential } from "@/lib/agents/revoke-agent-credential";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";

// The agent plane at fleet scale, in front of a stand-in for the Next.js router: thousands of
// long polls held at once, the status reports of a fleet, and revocation while polls are held.
const FLEET = 2_000;

let server: http.Server;
let base: string;
let actors: { admin: Actor; author: Actor; reviewer: Actor };
let fleetAgent: http.Agent;

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  server = http.createServer((req, res) => {
    if (serveAgentPlane(req, res)) return;
    res.writeHead(418).end("the router");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fleetAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
});

afterAll(async () => {
  fleetAgent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type Reply = { status: number; etag: string | undefined; body: Buffer };

function request(path: string, headers: Record<string, string>, body?: string, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: fleetAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, etag: res.headers.etag, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function publishedScenario() {
  const scenario = await approvedScenario(actors);
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  const { secret, credential } = await createTestAgentCredential(actors.admin, { bundles: [scenario.bundle.name] });
  const path = `/api/opa/bundles/${scenario.bundle.name}`;
  const first = await request(path, { authorization: `Bearer ${secret}` });
  expect(first.status).toBe(200);
  return { scenario, secret, credential, path, etag: first.etag! };
}

describe("long polls at fleet scale", () => {
  it(`wakes ${FLEET} held long polls with the new revision, then ends the next ${FLEET} with 304`, async () => {
    const { scenario, secret, path, etag } = await publishedScenario();
    const poll = (have: string, wait: number) =>
      request(path, {
        authorization: `Bearer ${secret}`,
        "if-none-match": have,
        prefer: `modes=snapshot,delta;wait=${wait}`,
      });
    const before = heldLongPolls();
    const woken = Array.from({ length: FLEET }, () => poll(etag, 60));
    await eventually(async () => expect(heldLongPolls() - before).toBe(FLEET), { timeoutMs: 30_000 });
    const { revisions } = await shipNewVersion(actors, scenario, ["alice", "dave"], 1);
    const replies = await Promise.all(woken);
    expect(replies.filter((r) => r.status === 200 && r.etag === revisions[0]!.etag).length).toBe(FLEET);
    const bundleBytes = replies[0]!.body;
    expect(bundleBytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(replies.every((r) => r.body.equals(bundleBytes))).toBe(true);

    const idle = await Promise.all(Array.from({ length: FLEET }, () => poll(revisions[0]!.etag, 1)));
    expect(idle.filter((r) => r.status === 304 && r.etag === revisions[0]!.etag && r.body.length === 0).length).toBe(
      FLEET,
    );
    expect(heldLongPolls()).toBe(before);
  });

  it("skips held polls whose agents went away, and still answers the others", async () => {
    const { scenario, secret, path, etag } = await publishedScenario();
    const before = heldLongPolls();
    const requests: http.ClientRequest[] = [];
    const answered = Array.from(
      { length: 40 },
      () =>
        new Promise<number>((resolve) => {
          const req = http.request(
            `${base}${path}`,
            {
              agent: fleetAgent,
              headers: { authorization: `Bearer ${secret}`, "if-none-match": etag, prefer: "wait=60" },
            },
            (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode!));
            },
          );
          req.on("error", () => resolve(-1));
          req.end();
          requests.push(req);
        }),
    );
    await eventually(async () => expect(heldLongPolls()).toBe(before + 40), { timeoutMs: 10_000 });
    for (const req of requests.slice(0, 20)) req.destroy();
    await shipNewVersion(actors, scenario, ["alice", "frank"], 1);
    const statuses = await Promise.all(answered);
    expect(statuses.slice(0, 20).every((s) => s === -1)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 200)).toBe(true);
    expect(heldLongPolls()).toBe(before);
  });

  it("cuts off a revoked agent's held long polls, whether a publish or the end of the wait answers them", async () => {
    const { scenario, secret, credential, path, etag } = await publishedScenario();
    const auth = { authorization: `Bearer ${secret}`, "if-none-match": etag };
    const before = heldLongPolls();
    const untilPublish = request(path, { ...auth, prefer: "wait=60" });
    const untilTimeout = request(path, { ...auth, prefer: "wait=2" });
    await eventually(async () => expect(heldLongPolls()).toBe(before + 2));
    await revokeAgentCredential({ actor: actors.admin, id: credential.id });
    const timedOut = await untilTimeout;
    expect(timedOut.status).toBe(401);
    expect(JSON.parse(timedOut.body.toString())).toMatchObject({ status: 401 });
    await shipNewVersion(actors, scenario, ["alice", "erin"], 1);
    const published = await untilPublish;
    expect(published.status).toBe(401);
    expect(published.body.subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
    expect((await request(path, { authorization: `Bearer ${secret}` })).status).toBe(401);
  });
});

describe("status reports of a fleet", () => {
  it("coalesces many reports per agent and stores each agent's latest in the database", async () => {
    const { scenario, secret } = await publishedScenario();
    const agents = 300;
    const reportsEach = 3;
    const report = (i: number, n: number) =>
      JSON.stringify({
        labels: { id: `run-${n}`, version: "1.22.2", instance: `${scenario.root}-fleet-${i}` },
        bundles: {
          [scenario.bundle.name]: {
            name: scenario.bundle.name,
            active_revision: `r${n}`,
            last_successful_activation: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
          },
        },
      });
    for (let n = 1; n <= reportsEach; n++) {
      const replies = await Promise.all(
        Array.from({ length: agents }, (_, i) =>
          request(
            "/api/opa/status",
            { authorization: `Bearer ${secret}`, "content-type": "application/json" },
            report(i, n),
            "POST",
          ),
        ),
      );
      expect(replies.every((r) => r.status === 204)).toBe(true);
    }
    // Answered before they are stored: one report per agent waits for the next flush.
    expect(pendingAgentStatusCount()).toBeGreaterThan(0);
    expect(pendingAgentStatusCount()).toBeLessThanOrEqual(agents);
    await flushAgentStatus();
    const rows = await db.agent.findMany({
      where: { identity: { startsWith: `${scenario.root}-fleet-` } },
      include: { bundles: true },
    });
    expect(rows.length).toBe(agents);
    for (const row of rows) {
      expect((row.labels as { id: string }).id).toBe(`run-${reportsEach}`);
      expect(row.bundles.map((b) => b.activeRevision)).toEqual([`r${reportsEach}`]);
    }
  });

  it("stores the reports without being asked, within a flush interval", async () => {
    const { scenario, secret } = await publishedScenario();
    const identity = `${scenario.root}-unflushed`;
    const reply = await request(
      "/api/opa/status",
      { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      JSON.stringify({ labels: { id: "x", version: "1.22.2", instance: identity } }),
      "POST",
    );
    expect(reply.status).toBe(204);
    await eventually(async () => expect(await db.agent.count({ where: { identity } })).toBe(1), { timeoutMs: 10_000 });
  });
});
