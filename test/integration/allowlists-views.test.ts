import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { createServiceWithEndpoints, entry, grant } from "@/test/factories/allowlists";
import { getCallerView, listExpiringGrants, searchCallers } from "@/lib/allowlists/caller-queries";
import { getAccessMatrix } from "@/lib/allowlists/access-matrix";
import { buildCurrentAllowlistsDocument, checkAccess } from "@/lib/allowlists/publish-data";
import { authzPolicyModules } from "@/lib/allowlists/authz-policy";
import { evalQuery } from "@/lib/opa/eval";

const ORDERS = "spiffe://prod.example/ns/shop/sa/orders";
const OPS_WILDCARD = "spiffe://prod.example/ns/ops/*";
const PARTNER = "spiffe://partner.example/ns/acme/sa/sync";
const STAGING = "spiffe://staging.example/ns/shop/sa/orders";

let author: Actor;
let viewer: Actor;

async function expire(callerId: string) {
  await db.allowlistEntry.updateMany({ where: { callerId }, data: { expiresAt: new Date(Date.now() - 60_000) } });
}

beforeAll(async () => {
  author = await createTestUser(["author"]);
  viewer = await createTestUser(["viewer"]);
  await createServiceWithEndpoints(author, {
    name: "payments",
    endpoints: [
      ["POST", "/refunds"],
      ["GET", "/refunds/{id}"],
      ["*", "/health"],
      ["GET", "/reports/*"],
    ],
  });
  await createServiceWithEndpoints(author, { name: "inventory", endpoints: [["GET", "/items/{sku}"]] });
  await grant(author, [
    entry("payments", "POST", "/refunds", ORDERS),
    entry("payments", "GET", "/refunds/{id}", ORDERS, {
      expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    }),
    entry("payments", "*", "/health", OPS_WILDCARD),
    entry("payments", "GET", "/reports/*", "spiffe://prod.example/ns/legacy_batch/sa/x", {
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    }),
    entry("payments", "GET", "/refunds/{id}", PARTNER, { crossTrustDomain: true }),
    entry("inventory", "GET", "/items/{sku}", ORDERS),
    entry("inventory", "GET", "/items/{sku}", "spiffe://prod.example/ns/legacyXbatch/sa/y"),
  ]);
  await expire("spiffe://prod.example/ns/legacy_batch/sa/x");
});

describe("caller views", () => {
  it("answers what a caller may call, through exact grants and /* patterns above it", async () => {
    const view = await getCallerView({ actor: viewer, callerId: "spiffe://prod.example/ns/ops/sa/prober" });
    expect(view.grants.map((g) => `${g.service} ${g.method} ${g.path} via ${g.via}`)).toEqual([
      `payments * /health via ${OPS_WILDCARD}`,
    ]);
    const orders = await getCallerView({ actor: viewer, callerId: ORDERS });
    expect(orders.grants.map((g) => `${g.service} ${g.method} ${g.path} ${g.status}`)).toEqual([
      "inventory GET /items/{sku} active",
      "payments POST /refunds active",
      "payments GET /refunds/{id} expiring",
    ]);
    expect((await getCallerView({ actor: viewer, callerId: "spiffe://prod.example:1/x" })).error).toBe(
      "must not have a port in the trust domain",
    );
  });

  it("searches callers by SPIFFE ID prefix, treating _ and % literally", async () => {
    expect(
      (await searchCallers({ actor: viewer, prefix: "spiffe://prod.example/ns/shop", limit: 50 })).map((c) => [
        c.caller,
        c.grants,
        c.services,
      ]),
    ).toEqual([[ORDERS, 3, 2]]);
    expect(
      (await searchCallers({ actor: viewer, prefix: "spiffe://prod.example/ns/legacy_", limit: 50 })).map(
        (c) => c.caller,
      ),
    ).toEqual(["spiffe://prod.example/ns/legacy_batch/sa/x"]);
    expect(await searchCallers({ actor: viewer, prefix: "spiffe://prod.example/ns/%", limit: 50 })).toEqual([]);
  });

  it("lists grants expiring soon and those recently expired", async () => {
    const { expiringSoon, recentlyExpired } = await listExpiringGrants({ actor: viewer, days: 14 });
    expect(expiringSoon.map((g) => `${g.caller} ${g.service} ${g.path}`)).toEqual([`${ORDERS} payments /refunds/{id}`]);
    expect(recentlyExpired.map((g) => `${g.caller} ${g.status}`)).toEqual([
      "spiffe://prod.example/ns/legacy_batch/sa/x expired",
    ]);
  });

  it("builds the services × callers matrix with active and expired counts", async () => {
    const matrix = await getAccessMatrix({ actor: viewer });
    expect(matrix.services.map((s) => s.name)).toEqual(["inventory", "payments"]);
    const cell = (service: string, caller: string) =>
      matrix.cells.find(([s, c]) => matrix.services[s]!.name === service && matrix.callers[c] === caller)?.slice(2);
    expect(cell("payments", ORDERS)).toEqual([2, 0]);
    expect(cell("payments", "spiffe://prod.example/ns/legacy_batch/sa/x")).toEqual([0, 1]);
    expect(cell("inventory", PARTNER)).toBeUndefined();
  });
});

describe("the published data with the shipped policy in the real opa", () => {
  it("leaves expired grants out and carries future expiries", async () => {
    const doc = await buildCurrentAllowlistsDocument();
    const payments = doc.services.payments!;
    expect(Object.keys(payments.callers).sort()).toEqual([PARTNER, ORDERS].sort());
    expect(payments.callers[ORDERS]!.find((g) => g.endpoint === "GET /refunds/{id}")!.expires_at_ns).toBeGreaterThan(
      Date.now() * 1e6,
    );
    expect(payments.wildcards).toEqual([
      expect.objectContaining({ caller: OPS_WILDCARD, prefix: "spiffe://prod.example/ns/ops/", endpoint: "* /health" }),
    ]);
    expect(payments.endpoints["GET /refunds/{id}"]).toEqual({
      method: "GET",
      path: "/refunds/{id}",
      segments: ["refunds", "{id}"],
      prefix: false,
    });
  });

  it("decides a table of requests as expected, and the console's check agrees", async () => {
    const table: Array<[caller: string, service: string, method: string, path: string, allow: boolean]> = [
      [ORDERS, "payments", "POST", "/refunds", true],
      [ORDERS, "payments", "DELETE", "/refunds", false],
      [ORDERS, "payments", "POST", "/refunds/1", false],
      [ORDERS, "payments", "GET", "/refunds/r-7?expand=1", true],
      ["spiffe://prod.example/ns/legacy_batch/sa/x", "payments", "GET", "/reports/q1", false],
      [STAGING, "payments", "POST", "/refunds", false],
      [PARTNER, "payments", "GET", "/refunds/9", true],
      ["spiffe://prod.example/ns/ops/sa/prober", "payments", "HEAD", "/health", true],
      ["spiffe://prod.example/ns/ops", "payments", "GET", "/health", false],
      [ORDERS, "inventory", "GET", "/items/a%2Fb", false],
      [ORDERS, "billing", "GET", "/", false],
    ];
    const doc = await buildCurrentAllowlistsDocument();
    const cases = table.map(([caller, service, method, path]) => ({ caller, service, method, path }));
    const result = await evalQuery({
      modules: authzPolicyModules(),
      data: { verdict: { allowlists: doc } },
      input: { cases },
      query: "x := [d | some c in input.cases; r := c; d := data.verdict.authz.decision with input as r]",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const decisions = result.results[0]!.bindings!.x as Array<{ allow: boolean; reason: string }>;
    expect(decisions.map((d) => d.allow)).toEqual(table.map((t) => t[4]));
    for (const [i, c] of cases.entries()) {
      expect(await checkAccess({ actor: viewer, request: c })).toMatchObject({
        allow: decisions[i]!.allow,
        reason: decisions[i]!.reason,
      });
    }
  });
});
