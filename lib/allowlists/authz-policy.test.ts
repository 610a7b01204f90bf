import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { authzPolicyModules } from "@/lib/allowlists/authz-policy";
import { decideAccess, type AccessRequest } from "@/lib/allowlists/decide";
import {
  buildAllowlistsDocument,
  type AllowlistsDocument,
  type EntryRow,
  type ServiceRow,
} from "@/lib/allowlists/opa-data";
import { evalQuery } from "@/lib/opa/eval";
import { runRegoTests } from "@/lib/opa/test";

describe("the shipped authorization policy", () => {
  it("passes its own _test.rego suite under the real opa test", async () => {
    const run = await runRegoTests({ modules: authzPolicyModules({ withTests: true }) });
    expect(run.ok).toBe(true);
    if (!run.ok) return;
    const failures = run.results.filter((r) => r.outcome !== "pass");
    expect(failures).toEqual([]);
    expect(run.results.length).toBeGreaterThanOrEqual(20);
  });
});

// Small vocabularies make collisions (the interesting cases) frequent.
const now = new Date("2026-06-01T00:00:00Z");
const trustDomains = ["prod.example", "staging.example"];
const patterns = [
  "/",
  "/refunds",
  "/refunds/",
  "/refunds/{id}",
  "/refunds/{id}/items",
  "/refunds/*",
  "/*",
  "/reports/{y}/*",
];
const callers = [
  "spiffe://prod.example/ns/billing/sa/api",
  "spiffe://prod.example/ns/billing/sa/cron",
  "spiffe://staging.example/ns/billing/sa/api",
  "spiffe://prod.example/ns/ops",
];
const callerPatterns = [
  ...callers,
  "spiffe://prod.example/ns/billing/*",
  "spiffe://prod.example/*",
  "spiffe://staging.example/ns/*",
];
const requestPaths = [
  "/",
  "/refunds",
  "/refunds/",
  "/refunds/7",
  "/Refunds/7",
  "/refunds/7/items",
  "/refunds/7/items/",
  "/refunds//items",
  "/refunds/a%2Fb",
  "/refunds/%2e%2e/admin",
  "/refunds/7?x=/admin",
  "/reports/2026/q1",
  "/reports/2026",
  "/reports//q1",
  "/other",
  "/refunds/../admin",
];
const requestCallers = [
  ...callers,
  "spiffe://prod.example/ns/billing",
  "spiffe://Prod.example/ns/x",
  "spiffe://prod.example/ns/billing/sa/api/",
  "not-a-spiffe-id",
];

const arbService = fc.record({
  trustDomain: fc.constantFrom(...trustDomains),
  endpoints: fc.uniqueArray(
    fc.record({ method: fc.constantFrom("GET", "POST", "*"), pathPattern: fc.constantFrom(...patterns) }),
    {
      maxLength: 5,
      selector: (e) => `${e.method} ${e.pathPattern}`,
    },
  ),
});

const arbCase = fc
  .record({
    services: fc.array(arbService, { minLength: 1, maxLength: 3 }),
    grants: fc.array(
      fc.record({
        s: fc.nat(),
        e: fc.nat(),
        caller: fc.constantFrom(...callerPatterns),
        expiry: fc.constantFrom(null, -3600, -1, 0, 1, 3600),
        cross: fc.boolean(),
      }),
      { maxLength: 12 },
    ),
  })
  .chain(({ services, grants }) => {
    const rows: ServiceRow[] = services.map((s, i) => ({ name: `svc${i}`, ...s }));
    const entries: EntryRow[] = [];
    grants.forEach((g, i) => {
      const service = rows[g.s % rows.length]!;
      if (service.endpoints.length === 0) return;
      const endpoint = service.endpoints[g.e % service.endpoints.length]!;
      entries.push({
        id: `e${String(i).padStart(2, "0")}`,
        serviceName: service.name,
        method: endpoint.method,
        pathPattern: endpoint.pathPattern,
        callerId: g.caller,
        expiresAt: g.expiry === null ? null : new Date(now.getTime() + g.expiry * 1000),
        crossTrustDomain: g.cross,
      });
    });
    // Build at an earlier time so that already-expired entries stay in the document and the
    // policy's own expiry check is exercised.
    const doc = buildAllowlistsDocument(rows, entries, new Date(now.getTime() - 86_400_000));
    const random = fc.record({
      caller: fc.constantFrom(...requestCallers),
      service: fc.constantFrom(...rows.map((r) => r.name), "unknown"),
      method: fc.constantFrom("GET", "POST", "DELETE"),
      path: fc.constantFrom(...requestPaths),
    });
    // Requests aimed at an entry (its caller, service, method and a path its pattern matches),
    // so that allows and expiry/trust-domain denials are common, not lucky.
    const aimed =
      entries.length === 0
        ? random
        : fc.constantFrom(...entries).map((e) => ({
            caller: e.callerId.endsWith("/*") ? `${e.callerId.slice(0, -1)}sa/x` : e.callerId,
            service: e.serviceName,
            method: e.method === "*" ? "DELETE" : e.method,
            path: e.pathPattern.replace(/\{[a-z]+\}/g, "7").replace(/\*$/, "q1/x"),
          }));
    return fc.tuple(fc.constant(doc), fc.array(fc.oneof(random, aimed), { minLength: 1, maxLength: 8 }));
  });

describe("TypeScript and Rego agree", () => {
  it("on allow, matched entry and reason for generated allowlists and requests", async () => {
    const cases = fc.sample(arbCase, { numRuns: 150, seed: 5 });
    const flat: Array<{ doc: AllowlistsDocument; request: AccessRequest }> = cases.flatMap(([doc, requests]) =>
      requests.map((request) => ({ doc, request })),
    );
    const nowNs = now.getTime() * 1_000_000;
    const result = await evalQuery({
      modules: authzPolicyModules(),
      input: { cases: flat },
      query: `x := [d | some c in input.cases; r := c.request; a := c.doc; d := data.verdict.authz.decision with input as r with data.verdict.allowlists as a with time.now_ns as ${nowNs}]`,
      timeoutMs: 60_000,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const rego = result.results[0]!.bindings!.x as Array<{ allow: boolean; reason: string; entry: string | null }>;
    expect(rego).toHaveLength(flat.length);
    const mismatches = flat
      .map((c, i) => ({ request: c.request, ts: decideAccess(c.doc, c.request, nowNs), rego: rego[i]! }))
      .filter((m) => m.ts.allow !== m.rego.allow || m.ts.entry !== m.rego.entry || m.ts.reason !== m.rego.reason);
    expect(mismatches).toEqual([]);
    // The generator must reach both outcomes and the interesting denials.
    const reasons = rego.map((d) => d.reason);
    expect(rego.filter((d) => d.allow).length).toBeGreaterThan(100);
    expect(reasons.some((r) => r.includes("expired at"))).toBe(true);
    expect(reasons.some((r) => r.includes("trust domain"))).toBe(true);
    expect(reasons.some((r) => r.includes("encoded slash"))).toBe(true);
  });
});
