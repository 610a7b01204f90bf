import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { callApi, tokenFor } from "@/test/support/api";
import { ensureAllowlistBundle, serviceName } from "@/test/factories/allowlists";
import { createTestUser } from "@/test/factories/actors";

let author = "";
let viewer = "";
let reviewer = "";
let service = "";
const CALLER = "spiffe://prod.example/ns/billing/sa/api";

const counts = async () => ({
  services: await db.service.count(),
  endpoints: await db.serviceEndpoint.count(),
  entries: await db.allowlistEntry.count(),
});

beforeAll(async () => {
  author = (await tokenFor(["author"])).token;
  viewer = (await tokenFor(["viewer"])).token;
  reviewer = (await tokenFor(["reviewer"])).token;
  await ensureAllowlistBundle({
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  });
  service = serviceName("api");
  expect(
    (
      await callApi("/api/v1/allowlists/services", {
        token: author,
        body: { name: service, trustDomain: "prod.example", ownerTeam: "team-payments" },
      })
    ).status,
  ).toBe(201);
  for (const [method, path] of [
    ["POST", "/refunds"],
    ["get", "/refunds/{id}"],
  ]) {
    expect(
      (await callApi(`/api/v1/allowlists/services/${service}/endpoints`, { token: author, body: { method, path } }))
        .status,
    ).toBe(201);
  }
});

describe("allowlist API", () => {
  async function approveAndPublishOverHttp(number: number) {
    expect(
      (await callApi(`/api/v1/change-requests/${number}/reviews`, { token: reviewer, body: { verdict: "approve" } }))
        .status,
    ).toBe(201);
    const published = await callApi(`/api/v1/change-requests/${number}/publish`, { token: reviewer, body: {} });
    expect(published.status).toBe(201);
  }

  it("proposes a grant as a change request, applies it once approved and published, and revokes it the same way", async () => {
    const grant = await callApi("/api/v1/allowlists/entries", {
      token: author,
      body: { service, method: "POST", path: "/refunds", caller: CALLER, owner: "billing", reason: "refunds" },
    });
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({ proposed: true, changeRequest: { number: expect.any(Number) } });
    expect(grant.body.diff.summary).toBe(`+ ${CALLER} → ${service} POST /refunds`);
    const cr = await callApi(`/api/v1/change-requests/${grant.body.changeRequest.number}`, { token: reviewer });
    expect(cr.body.items).toEqual([
      expect.objectContaining({
        kind: "allowlist_change",
        diff: expect.objectContaining({ lines: [`+ ${CALLER} → ${service} POST /refunds`] }),
      }),
    ]);
    expect(
      (await callApi(`/api/v1/allowlists/services/${service}`, { token: viewer })).body.endpoints.find(
        (e: any) => e.path === "/refunds",
      ).entries,
    ).toEqual([]);
    await approveAndPublishOverHttp(grant.body.changeRequest.number);
    const detail = await callApi(`/api/v1/allowlists/services/${service}`, { token: viewer });
    const stored = detail.body.endpoints.find((e: any) => e.path === "/refunds").entries;
    expect(stored).toEqual([expect.objectContaining({ caller: CALLER, status: "active" })]);
    grant.body.entryId = stored[0].id;
    const view = await callApi(`/api/v1/allowlists/callers/view?id=${encodeURIComponent(CALLER)}`, { token: viewer });
    expect(view.body.grants.map((g: any) => g.service)).toContain(service);
    const check = await callApi("/api/v1/allowlists/check", {
      token: viewer,
      body: { caller: CALLER, service, method: "POST", path: "/refunds" },
    });
    expect(check.body).toMatchObject({ allow: true, entry: grant.body.entryId });
    const revoke = await callApi(`/api/v1/allowlists/entries/${grant.body.entryId}`, {
      token: author,
      method: "DELETE",
    });
    expect(revoke.status).toBe(200);
    expect(revoke.body.diff.removed).toBe(1);
    await approveAndPublishOverHttp(revoke.body.changeRequest.number);
    expect(
      (
        await callApi("/api/v1/allowlists/check", {
          token: viewer,
          body: { caller: CALLER, service, method: "POST", path: "/refunds" },
        })
      ).body.allow,
    ).toBe(false);
  });

  it("refuses bad input with precise problem documents and writes nothing", async () => {
    const before = await counts();
    const cases: Array<[string, string, unknown, number, (b: any) => void]> = [
      [
        "malformed SPIFFE ID",
        "/api/v1/allowlists/entries",
        { service, method: "POST", path: "/refunds", caller: "spiffe://prod.example/ns//x", owner: "o", reason: "r" },
        422,
        (b) =>
          expect(b.errors).toEqual([{ path: "body.caller", message: "must not contain empty path segments (`//`)" }]),
      ],
      [
        "unknown service",
        "/api/v1/allowlists/entries",
        { service: "ghost", method: "POST", path: "/refunds", caller: CALLER, owner: "o", reason: "r" },
        422,
        (b) => expect(b.errors).toEqual([{ path: "body.service", message: 'unknown service "ghost"' }]),
      ],
      [
        "unknown endpoint",
        "/api/v1/allowlists/entries",
        { service, method: "DELETE", path: "/refunds", caller: CALLER, owner: "o", reason: "r" },
        422,
        (b) =>
          expect(b.errors[0]).toEqual({
            path: "body.path",
            message: `${service} has no endpoint DELETE /refunds; add it to the service first`,
          }),
      ],
      [
        "missing reason",
        "/api/v1/allowlists/entries",
        { service, method: "POST", path: "/refunds", caller: CALLER, owner: "o" },
        422,
        (b) => expect(b.errors).toEqual([{ path: "body.reason", message: "is required" }]),
      ],
      [
        "bad trust domain",
        "/api/v1/allowlists/services",
        { name: serviceName("bad"), trustDomain: "Prod.Example", ownerTeam: "t" },
        422,
        (b) => expect(b.errors[0].path).toBe("body.trustDomain"),
      ],
      [
        "duplicate service",
        "/api/v1/allowlists/services",
        { name: service, trustDomain: "prod.example", ownerTeam: "t" },
        409,
        (b) => expect(b.detail).toContain("already exists"),
      ],
      [
        "bad path pattern",
        `/api/v1/allowlists/services/${service}/endpoints`,
        { method: "GET", path: "/refunds*" },
        422,
        (b) =>
          expect(b.errors).toEqual([
            { path: "body.path", message: "may use `*` only as the whole final segment (`/reports/*`)" },
          ]),
      ],
      [
        "endpoint of unknown service",
        "/api/v1/allowlists/services/ghost/endpoints",
        { method: "GET", path: "/" },
        404,
        () => {},
      ],
    ];
    for (const [name, path, body, status, check] of cases) {
      const res = await callApi(path, { token: author, body });
      expect({ name, status: res.status, type: res.headers.get("content-type") }).toEqual({
        name,
        status,
        type: "application/problem+json",
      });
      check(res.body);
    }
    expect(await counts()).toEqual(before);
  });

  it("answers 409 to a duplicate grant", async () => {
    const body = {
      service,
      method: "GET",
      path: "/refunds/{id}",
      caller: CALLER,
      owner: "billing",
      reason: "status page",
    };
    const first = await callApi("/api/v1/allowlists/entries", { token: author, body });
    expect(first.status).toBe(201);
    await approveAndPublishOverHttp(first.body.changeRequest.number);
    const dup = await callApi("/api/v1/allowlists/entries", { token: author, body });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toMatch(/may already call/);
  });

  it("imports CSV with a dry run first, then all-or-nothing; refuses oversized files", async () => {
    const header = "service,method,path,caller,owner,reason,expires_at,cross_trust_domain";
    const good = `${service},POST,/refunds,spiffe://prod.example/ns/ops/*,sre,dashboards,,`;
    const bad = `${service},POST,/refunds,spiffe://prod.example/ns/x?y=1,sre,x,,`;
    const before = await counts();
    const dry = await callApi(`/api/v1/allowlists/import?format=csv`, {
      token: author,
      body: [header, good, bad].join("\n"),
      headers: { "content-type": "text/csv" },
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      dryRun: true,
      proposed: false,
      errors: [{ row: 3, field: "caller", message: "must not have a query (`?…`)" }],
    });
    expect(dry.body.diff.lines).toEqual([`+ spiffe://prod.example/ns/ops/* → ${service} POST /refunds`]);
    const refused = await callApi(`/api/v1/allowlists/import?format=csv&dryRun=false`, {
      token: author,
      body: [header, good, bad].join("\n"),
      headers: { "content-type": "text/csv" },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.rowErrors).toEqual([{ row: 3, field: "caller", message: "must not have a query (`?…`)" }]);
    expect(await counts()).toEqual(before);
    const huge = await callApi(`/api/v1/allowlists/import?format=csv`, {
      token: author,
      body: `${header}\n${"y".repeat(5 * 1024 * 1024 + 10)}`,
      headers: { "content-type": "text/csv" },
    });
    expect(huge.status).toBe(413);
    const applied = await callApi(
      `/api/v1/allowlists/import?format=csv&dryRun=false&expectedPlanHash=${dry.body.planHash}`,
      { token: author, body: [header, good].join("\n"), headers: { "content-type": "text/csv" } },
    );
    expect(applied.status).toBe(200);
    expect(applied.body.proposed).toBe(true);
    await approveAndPublishOverHttp(applied.body.changeRequest.number);
    expect((await counts()).entries).toBe(before.entries + 1);
  });

  it("exports CSV and JSON as downloads and serves the OPA data document", async () => {
    const csv = await callApi("/api/v1/allowlists/export?format=csv", { token: viewer });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(
      /^attachment; filename="allowlists-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(String(csv.body).split("\n")[0]).toBe(
      "service,method,path,caller,owner,reason,expires_at,cross_trust_domain",
    );
    const json = await callApi("/api/v1/allowlists/export?format=json", { token: viewer });
    expect(json.body.entries.some((e: any) => e.service === service)).toBe(true);
    const data = await callApi("/api/v1/allowlists/opa-data", { token: viewer });
    expect(data.body.schema_version).toBe(1);
    expect(data.body.services[service].endpoints["POST /refunds"]).toEqual({
      method: "POST",
      path: "/refunds",
      segments: ["refunds"],
      prefix: false,
    });
  });
});
