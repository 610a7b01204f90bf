import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { appUrl, callApi, tokenFor } from "@/test/support/api";
import { basicAuth } from "@/test/factories/agents";

let adminToken: string;
let authorToken: string;

beforeAll(async () => {
  adminToken = (await tokenFor(["admin"])).token;
  authorToken = (await tokenFor(["author"])).token;
});

function tokenRequest(body: string, headers: Record<string, string>) {
  return fetch(`${appUrl()}/api/opa/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
}

describe("agent credentials over HTTP", () => {
  it("creates a credential for admins only and validates the body precisely", async () => {
    expect(
      (await callApi("/api/v1/agent-credentials", { token: authorToken, body: { name: "x", kind: "bearer" } })).status,
    ).toBe(403);
    const before = await db.agentCredential.count();
    const bad = await callApi("/api/v1/agent-credentials", {
      token: adminToken,
      body: { name: "", kind: "ldap", bundles: ["Not Valid"] },
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "body.bundles.0",
      "body.kind",
      "body.name",
    ]);
    expect(await db.agentCredential.count()).toBe(before);
    const created = await callApi("/api/v1/agent-credentials", {
      token: adminToken,
      body: { name: "http agent", kind: "bearer" },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^vda_/);
    const listed = await callApi("/api/v1/agent-credentials", { token: adminToken });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
  });

  it("runs the OAuth2 client credentials grant as OPA does it, with RFC error codes", async () => {
    const created = await callApi("/api/v1/agent-credentials", {
      token: adminToken,
      body: { name: "oauth agent", kind: "oauth2" },
    });
    const { secret, credential } = created.body;
    const ok = await tokenRequest("grant_type=client_credentials", {
      authorization: basicAuth(credential.clientId, secret),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store, no-transform");
    const body = await ok.json();
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 300 });
    expect(body.access_token.split(".")).toHaveLength(3);

    const wrong = await tokenRequest("grant_type=client_credentials", {
      authorization: basicAuth(credential.clientId, "nope"),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Basic realm="verdict"');
    expect(await wrong.json()).toMatchObject({ error: "invalid_client", status: 401 });

    const json = await fetch(`${appUrl()}/api/opa/token`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicAuth(credential.clientId, secret) },
      body: "{}",
    });
    expect(json.status).toBe(415);
    const grant = await tokenRequest("grant_type=password", { authorization: basicAuth(credential.clientId, secret) });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("revokes a credential: the token endpoint refuses it at once", async () => {
    const created = await callApi("/api/v1/agent-credentials", {
      token: adminToken,
      body: { name: "to revoke", kind: "oauth2" },
    });
    const { secret, credential } = created.body;
    expect(
      (await callApi(`/api/v1/agent-credentials/${credential.id}`, { token: adminToken, method: "DELETE" })).body
        .revokedAt,
    ).not.toBeNull();
    expect(
      (await tokenRequest("grant_type=client_credentials", { authorization: basicAuth(credential.clientId, secret) }))
        .status,
    ).toBe(401);
    expect(
      (await callApi("/api/v1/agent-credentials/not-a-uuid", { token: adminToken, method: "DELETE" })).status,
    ).toBe(404);
  });
});
