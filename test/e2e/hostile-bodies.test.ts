import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/lib/core/db";
import { MAX_JSON_DEPTH } from "@/lib/core/json-depth";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { decisionEvent, gzipJson } from "@/test/factories/decisions";
import { appUrl, callApi, tokenFor } from "@/test/support/api";

// Bodies that are valid JSON but that the app could not serialise or store: refused with a
// precise 4xx, or stored in a form PostgreSQL accepts — never a 500, never another agent's data lost.

let agentToken: string;
let authorToken: string;

const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
const status = (body: string) =>
  fetch(`${appUrl()}/api/opa/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" },
    body,
  });

beforeAll(async () => {
  const admin = await createTestUser(["admin"]);
  agentToken = (await createTestAgentCredential(admin, { mayReportStatus: true, mayUploadLogs: true })).secret;
  authorToken = (await tokenFor(["author"])).token;
  await eventually(async () => expect((await status(JSON.stringify({ labels: { id: "warm-up" } }))).status).toBe(204), {
    timeoutMs: 5_000,
  });
});

describe("the agent plane in the running app", () => {
  it("answers agents ahead of the Next.js router (its 405 is a problem document, the router's is empty)", async () => {
    const res = await fetch(`${appUrl()}/api/opa/logs`, {
      method: "PUT",
      headers: { authorization: `Bearer ${agentToken}` },
      body: "[]",
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    expect(await res.json()).toMatchObject({ status: 405, detail: "PUT is not supported here; use POST" });
  });
});

describe("hostile JSON bodies over HTTP", () => {
  it("refuses JSON nested deeper than the limit on agent and API endpoints with 400 problem+json", async () => {
    const instance = `deep-${randomUUID().slice(0, 8)}`;
    const deepStatus = await status(`{"labels":{"id":"x","instance":"${instance}"},"extra":${deep(20_000)}}`);
    expect(deepStatus.status).toBe(400);
    expect(deepStatus.headers.get("content-type")).toBe("application/problem+json");
    const logs = await fetch(`${appUrl()}/api/opa/logs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${agentToken}`,
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      body: new Uint8Array(
        gzipJson([decisionEvent({ labels: { id: "x", instance }, input: JSON.parse(deep(MAX_JSON_DEPTH)) })]),
      ),
    });
    expect(logs.status).toBe(400);
    const before = await db.policy.count();
    const api = await callApi("/api/v1/policies", {
      token: authorToken,
      body: `{"name":"x","packagePath":"a.b","source":${deep(20_000)}}`,
      headers: { "content-type": "application/json" },
    });
    expect(api.status).toBe(400);
    expect(api.body).toMatchObject({ status: 400 });
    expect(await db.policy.count()).toBe(before);
    // A shallower body is read as usual (and refused by the schema, not the depth check).
    expect(
      (
        await callApi("/api/v1/policies", {
          token: authorToken,
          body: `{"source":${deep(10)}}`,
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(422);
    expect(
      (await pool().query("SELECT count(*)::int AS n FROM decisions WHERE agent = $1", [instance])).rows[0].n,
    ).toBe(0);
  });

  it("stores decisions carrying NUL characters and lone surrogates (OPA would retry a refused batch forever)", async () => {
    const instance = `nul-${randomUUID().slice(0, 8)}`;
    const res = await fetch(`${appUrl()}/api/opa/logs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${agentToken}`,
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      body: new Uint8Array(
        gzipJson([decisionEvent({ labels: { id: "x", instance }, input: { header: "a\u0000b", name: "\ud800" } })]),
      ),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stored: 1 });
    const { rows } = await pool().query("SELECT input FROM decisions WHERE agent = $1", [instance]);
    expect(rows).toEqual([{ input: { header: "a\ufffdb", name: "\ufffd" } }]);
  });

  it("stores an honest agent's status next to one with values no column can hold", async () => {
    const prefix = `mixed-${randomUUID().slice(0, 8)}`;
    const hostile = {
      labels: { id: "h", instance: `${prefix}-hostile` },
      bundles: { b: { http_code: 3_000_000_000, last_request: "0000-01-01T00:00:00Z", message: "\u0000" } },
    };
    const honest = { labels: { id: "o", instance: `${prefix}-honest` }, bundles: { b: { active_revision: "r7" } } };
    expect((await status(JSON.stringify(hostile))).status).toBe(204);
    expect((await status(JSON.stringify(honest))).status).toBe(204);
    await eventually(
      async () => {
        const { rows } = await pool().query(
          "SELECT a.identity, s.active_revision, s.http_code FROM agents a JOIN agent_bundle_statuses s ON s.agent_id = a.id WHERE a.identity LIKE $1 ORDER BY 1",
          [`${prefix}-%`],
        );
        expect(rows).toEqual([
          { identity: `${prefix}-honest`, active_revision: "r7", http_code: null },
          { identity: `${prefix}-hostile`, active_revision: null, http_code: null },
        ]);
      },
      { timeoutMs: 5_000 },
    );
  });
});
