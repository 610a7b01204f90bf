import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { authenticateAgentFromMemory } from "@/lib/agents/authenticate-agent";
import { revokeAgentCredential } from "@/lib/agents/revoke-agent-credential";
import type { Actor } from "@/lib/auth/actor";
import { approvedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";
import { decisionEvent } from "@/test/factories/decisions";
import { gzipSync } from "node:zlib";

// The plane in front of a stand-in for the Next.js router that answers 418, so a test sees which
// of the two answered.
let server: http.Server;
let base: string;
let bundle: string;
let token: string;
let admin: Actor;

beforeAll(async () => {
  const actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  const scenario = await approvedScenario(actors);
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  bundle = scenario.bundle.name;
  admin = actors.admin;
  token = (await createTestAgentCredential(actors.admin, { bundles: [bundle], mayUploadLogs: true })).secret;
  server = http.createServer((req, res) => {
    if (serveAgentPlane(req, res)) return;
    res.writeHead(418).end("the router");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const auth = () => ({ authorization: `Bearer ${token}` });

/** A request on a given connection pool (to see whether the connection is reused). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
  agent?: http.Agent,
): Promise<{ status: number; body: string; socketReused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          body: Buffer.concat(chunks).toString("utf8"),
          socketReused: req.reusedSocket,
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the agent plane", () => {
  it("serves bundles with ETag, 304 and HEAD, under the same security headers as the rest of the API", async () => {
    const full = await fetch(`${base}/api/opa/bundles/${bundle}`, { headers: auth() });
    expect(full.status).toBe(200);
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(full.headers.get("content-type")).toBe("application/vnd.openpolicyagent.bundles");
    expect(full.headers.get("content-length")).toBe(String(bytes.length));
    expect(full.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(full.headers.get("x-content-type-options")).toBe("nosniff");
    expect(full.headers.get("cache-control")).toBe("no-store, no-transform");
    const etag = full.headers.get("etag")!;

    const head = await fetch(`${base}/api/opa/bundles/${bundle}`, { method: "HEAD", headers: auth() });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(etag);
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const unchanged = await fetch(`${base}/api/opa/bundles/${bundle}?ignored=1`, {
      headers: { ...auth(), "if-none-match": etag },
    });
    expect(unchanged.status).toBe(304);
  });

  it("leaves every other path to the Next.js router", async () => {
    for (const path of [
      "/api/v1/policies",
      "/api/opa/logs/",
      "/api/opa/other",
      "/api/opab",
      "/api/opa/bundles/a/b",
      "/",
    ]) {
      const res = await fetch(`${base}${path}`, { method: "POST", body: "{}" });
      expect(res.status, path).toBe(418);
    }
  });

  it("answers other methods with 405 and Allow, and OPTIONS with 204", async () => {
    const put = await fetch(`${base}/api/opa/logs`, { method: "PUT", body: "[]" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("POST, OPTIONS");
    expect(await put.json()).toMatchObject({ status: 405, detail: "PUT is not supported here; use POST" });
    const options = await fetch(`${base}/api/opa/bundles/${bundle}`, { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("routes partitioned status and log paths, and authenticates before reading a body", async () => {
    for (const path of ["/api/opa/status/eu/west-1?x=1", "/api/opa/logs/shard-7"]) {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "[]",
      });
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="verdict"');
    }
    // Bodies the handler never reads, or stops reading: the agent still gets the answer, and the
    // connection serves its next request.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const refused = await rawRequest(
      "POST",
      "/api/opa/logs",
      { authorization: "Bearer nope", "content-encoding": "gzip" },
      Buffer.alloc(2 * 1024 * 1024, 1),
      agent,
    );
    expect(refused.status).toBe(401);
    const tooLarge = await rawRequest(
      "POST",
      "/api/opa/status",
      { ...auth(), "content-type": "application/json", "transfer-encoding": "chunked" },
      Buffer.alloc(3 * 1024 * 1024, 0x20),
      agent,
    );
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ status: 413 });
    const next = await rawRequest("GET", `/api/opa/bundles/${bundle}`, { ...auth() }, undefined, agent);
    expect(next.status).toBe(200);
    expect(next.socketReused).toBe(true);
    agent.destroy();
  });

  it("answers a stored decision-log batch with where its time went (Server-Timing)", async () => {
    const res = await fetch(`${base}/api/opa/logs`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify([decisionEvent(), decisionEvent()])),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 2, stored: 2 });
    const phases = Object.fromEntries(
      res.headers
        .get("server-timing")!
        .split(", ")
        .map((part) => {
          const [name, dur] = part.split(";dur=");
          return [name, Number(dur)];
        }),
    );
    expect(Object.keys(phases)).toEqual(["auth", "read", "parse", "queue", "write"]);
    for (const ms of Object.values(phases)) expect(ms).toBeGreaterThanOrEqual(0);
    expect(phases.write).toBeGreaterThan(0);
  });

  it("answers bundle requests from memory once its caches have loaded, refusing what the async path refuses", async () => {
    const other = await createTestAgentCredential(admin, { bundles: [bundle] });
    expect((await fetch(`${base}/api/opa/bundles/${bundle}`, { headers: auth() })).status).toBe(200);
    const header = `Bearer ${other.secret}`;
    expect(authenticateAgentFromMemory(header, { bundle })).toMatchObject({
      credentialId: other.credential.id,
      via: "token",
    });
    expect(() => authenticateAgentFromMemory(header, { bundle: "another-bundle" })).toThrow(/may not read/);
    expect(() => authenticateAgentFromMemory(`${header}x`, { bundle })).toThrow(/invalid, expired or revoked/);
    // A JWT it has not verified is left to the async path, which verifies its signature.
    expect(authenticateAgentFromMemory("Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", { bundle })).toBeUndefined();
    await revokeAgentCredential({ actor: admin, id: other.credential.id });
    await eventually(async () =>
      expect(() => authenticateAgentFromMemory(header, { bundle })).toThrow(/invalid, expired or revoked/),
    );
    const refused = await fetch(`${base}/api/opa/bundles/${bundle}`, { headers: { authorization: header } });
    expect(refused.status).toBe(401);
  });

  it("answers a bundle name that is not valid percent-encoding with 404, not an error", async () => {
    const res = await fetch(`${base}/api/opa/bundles/%E0%A4%A`, { headers: auth() });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404 });
  });
});
