import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { ROLES, hasPermission, type Permission, type Role } from "@/lib/auth/roles";
import { createPolicy } from "@/lib/policies/create-policy";
import { policyInput } from "@/test/factories/sample-policies";
import { createTestUser } from "@/test/factories/actors";
import { callApi, tokenFor } from "@/test/support/api";

// Every /api/v1 route × every role (plus anonymous, expired and revoked tokens) → expected status.
// Allowed callers send an empty body, so they get past authorization and stop at validation:
// nothing is written. The last test fails when a route exists that this table does not list.
type Row = { method: string; route: string; permission: Permission; path?: string };

const ID = "00000000-0000-4000-8000-000000000000";
const NO_BUNDLE_TARGETS = "/api/v1/bundles/no-such-bundle/targets";
// Called by git hosts, not people: authenticated by the link's HMAC signature (test/e2e/git-links-api.test.ts).
const SIGNED_WEBHOOKS = new Set(["POST /api/v1/git-links/[id]/webhook"]);
let policyId = ID;

const routes = (): Row[] => [
  { method: "GET", route: "/api/v1/me", permission: "policy:read" },
  { method: "PUT", route: "/api/v1/me/password", permission: "token:self" },
  { method: "GET", route: "/api/v1/policies", permission: "policy:read" },
  { method: "POST", route: "/api/v1/policies", permission: "policy:write" },
  { method: "GET", route: "/api/v1/policies/[id]", path: `/api/v1/policies/${policyId}`, permission: "policy:read" },
  { method: "PATCH", route: "/api/v1/policies/[id]", path: `/api/v1/policies/${policyId}`, permission: "policy:write" },
  {
    method: "GET",
    route: "/api/v1/policies/[id]/versions",
    path: `/api/v1/policies/${policyId}/versions`,
    permission: "policy:read",
  },
  {
    method: "POST",
    route: "/api/v1/policies/[id]/versions",
    path: `/api/v1/policies/${policyId}/versions`,
    permission: "policy:write",
  },
  {
    method: "GET",
    route: "/api/v1/policies/[id]/versions/[number]",
    path: `/api/v1/policies/${policyId}/versions/1`,
    permission: "policy:read",
  },
  {
    method: "POST",
    route: "/api/v1/policies/[id]/versions/[number]/restore",
    path: `/api/v1/policies/${policyId}/versions/1/restore`,
    permission: "policy:write",
  },
  {
    method: "GET",
    route: "/api/v1/policies/[id]/test-runs",
    path: `/api/v1/policies/${policyId}/test-runs`,
    permission: "policy:read",
  },
  {
    method: "GET",
    route: "/api/v1/policies/[id]/references",
    path: `/api/v1/policies/${policyId}/references`,
    permission: "policy:read",
  },
  {
    method: "POST",
    route: "/api/v1/policies/[id]/test-runs",
    path: `/api/v1/policies/${policyId}/test-runs`,
    permission: "test:run",
  },
  {
    method: "GET",
    route: "/api/v1/policies/[id]/test-runs/[runId]",
    path: `/api/v1/policies/${policyId}/test-runs/${ID}`,
    permission: "policy:read",
  },
  {
    method: "GET",
    route: "/api/v1/policies/[id]/export",
    path: `/api/v1/policies/${policyId}/export`,
    permission: "policy:read",
  },
  {
    method: "POST",
    route: "/api/v1/policies/[id]/import",
    path: `/api/v1/policies/${policyId}/import`,
    permission: "policy:write",
  },
  { method: "POST", route: "/api/v1/policies/import", permission: "policy:write" },
  { method: "POST", route: "/api/v1/rego/lint", permission: "policy:read" },
  { method: "POST", route: "/api/v1/rego/format", permission: "policy:read" },
  { method: "GET", route: "/api/v1/users", permission: "user:manage" },
  { method: "POST", route: "/api/v1/users", permission: "user:manage" },
  { method: "PATCH", route: "/api/v1/users/[id]", path: `/api/v1/users/${ID}`, permission: "user:manage" },
  { method: "GET", route: "/api/v1/tokens", permission: "token:self" },
  { method: "POST", route: "/api/v1/tokens", permission: "token:self" },
  { method: "DELETE", route: "/api/v1/tokens/[id]", path: `/api/v1/tokens/${ID}`, permission: "token:self" },
  { method: "GET", route: "/api/v1/audit-events", permission: "audit:read" },
  { method: "GET", route: "/api/v1/bundles", permission: "bundle:read" },
  { method: "POST", route: "/api/v1/bundles", permission: "bundle:manage" },
  { method: "GET", route: "/api/v1/bundles/[name]", path: "/api/v1/bundles/no-such-bundle", permission: "bundle:read" },
  {
    method: "PATCH",
    route: "/api/v1/bundles/[name]",
    path: "/api/v1/bundles/no-such-bundle",
    permission: "bundle:manage",
  },
  {
    method: "GET",
    route: "/api/v1/bundles/[name]/opa-config",
    path: "/api/v1/bundles/no-such-bundle/opa-config",
    permission: "bundle:read",
  },
  {
    method: "GET",
    route: "/api/v1/bundles/[name]/revisions",
    path: "/api/v1/bundles/no-such-bundle/revisions",
    permission: "bundle:read",
  },
  {
    method: "GET",
    route: "/api/v1/bundles/[name]/revisions/[number]",
    path: "/api/v1/bundles/no-such-bundle/revisions/999999",
    permission: "bundle:read",
  },
  {
    method: "GET",
    route: "/api/v1/bundles/[name]/revisions/[number]/download",
    path: "/api/v1/bundles/no-such-bundle/revisions/999999/download",
    permission: "bundle:read",
  },
  {
    method: "POST",
    route: "/api/v1/bundles/[name]/rollback",
    path: "/api/v1/bundles/no-such-bundle/rollback",
    permission: "bundle:publish",
  },
  {
    method: "GET",
    route: "/api/v1/bundles/[name]/rollouts",
    path: "/api/v1/bundles/no-such-bundle/rollouts",
    permission: "bundle:read",
  },
  {
    method: "POST",
    route: "/api/v1/bundles/[name]/rollouts",
    path: "/api/v1/bundles/no-such-bundle/rollouts",
    permission: "bundle:publish",
  },
  {
    method: "GET",
    route: "/api/v1/bundles/[name]/rollouts/[id]",
    path: `/api/v1/bundles/no-such-bundle/rollouts/${ID}`,
    permission: "bundle:read",
  },
  {
    method: "GET",
    route: "/api/v1/bundles/[name]/rollouts/[id]/evaluations",
    path: `/api/v1/bundles/no-such-bundle/rollouts/${ID}/evaluations`,
    permission: "bundle:read",
  },
  {
    method: "POST",
    route: "/api/v1/bundles/[name]/rollouts/[id]/promote",
    path: `/api/v1/bundles/no-such-bundle/rollouts/${ID}/promote`,
    permission: "bundle:publish",
  },
  {
    method: "POST",
    route: "/api/v1/bundles/[name]/rollouts/[id]/abort",
    path: `/api/v1/bundles/no-such-bundle/rollouts/${ID}/abort`,
    permission: "bundle:publish",
  },
  { method: "GET", route: "/api/v1/change-requests", permission: "policy:read" },
  { method: "POST", route: "/api/v1/change-requests", permission: "change:submit" },
  {
    method: "GET",
    route: "/api/v1/change-requests/[number]",
    path: "/api/v1/change-requests/999999",
    permission: "policy:read",
  },
  {
    method: "PATCH",
    route: "/api/v1/change-requests/[number]",
    path: "/api/v1/change-requests/999999",
    permission: "change:submit",
  },
  {
    method: "POST",
    route: "/api/v1/change-requests/[number]/reviews",
    path: "/api/v1/change-requests/999999/reviews",
    permission: "policy:read",
  },
  {
    method: "POST",
    route: "/api/v1/change-requests/[number]/publish",
    path: "/api/v1/change-requests/999999/publish",
    permission: "bundle:publish",
  },
  {
    method: "POST",
    route: "/api/v1/change-requests/[number]/close",
    path: "/api/v1/change-requests/999999/close",
    permission: "change:submit",
  },
  { method: "GET", route: "/api/v1/decisions", permission: "decision:read" },
  { method: "GET", route: "/api/v1/decisions/stats", permission: "decision:read" },
  { method: "GET", route: "/api/v1/decisions/tail", permission: "decision:read" },
  { method: "GET", route: "/api/v1/decisions/export", permission: "decision:export" },
  {
    method: "GET",
    route: "/api/v1/decisions/[decisionId]",
    path: "/api/v1/decisions/no-such-decision",
    permission: "decision:read",
  },
  {
    method: "POST",
    route: "/api/v1/decisions/[decisionId]/replay",
    path: "/api/v1/decisions/no-such-decision/replay",
    permission: "decision:read",
  },
  {
    method: "GET",
    route: "/api/v1/change-requests/[number]/impact",
    path: "/api/v1/change-requests/999999/impact",
    permission: "change:impact",
  },
  {
    method: "POST",
    route: "/api/v1/change-requests/[number]/dependant-tests",
    path: "/api/v1/change-requests/999999/dependant-tests",
    permission: "test:run",
  },
  { method: "GET", route: "/api/v1/fleet", permission: "agent:read" },
  { method: "GET", route: "/api/v1/fleet/agents", permission: "agent:read" },
  { method: "GET", route: "/api/v1/fleet/demo-agent", permission: "agent:read" },
  // POST starts the demo agent for an admin; the DELETE after it stops it again.
  { method: "POST", route: "/api/v1/fleet/demo-agent", permission: "agent:manage" },
  { method: "DELETE", route: "/api/v1/fleet/demo-agent", permission: "agent:manage" },
  { method: "GET", route: "/api/v1/bundles/[name]/targets", path: NO_BUNDLE_TARGETS, permission: "bundle:read" },
  { method: "POST", route: "/api/v1/bundles/[name]/targets", path: NO_BUNDLE_TARGETS, permission: "bundle:manage" },
  {
    method: "DELETE",
    route: "/api/v1/bundles/[name]/targets/[target]",
    path: `${NO_BUNDLE_TARGETS}/no-such-target`,
    permission: "bundle:manage",
  },
  {
    method: "POST",
    route: "/api/v1/bundles/[name]/target-checks",
    path: "/api/v1/bundles/no-such-bundle/target-checks",
    permission: "bundle:publish",
  },
  { method: "GET", route: "/api/v1/git-links", permission: "bundle:manage" },
  { method: "POST", route: "/api/v1/git-links", permission: "bundle:manage" },
  { method: "GET", route: "/api/v1/git-links/[id]", path: `/api/v1/git-links/${ID}`, permission: "bundle:manage" },
  { method: "PATCH", route: "/api/v1/git-links/[id]", path: `/api/v1/git-links/${ID}`, permission: "bundle:manage" },
  { method: "DELETE", route: "/api/v1/git-links/[id]", path: `/api/v1/git-links/${ID}`, permission: "bundle:manage" },
  ...["accept-head", "dismiss-conflict", "skip-commit", "sync", "webhook-secret"].map(
    (action): Row => ({
      method: "POST",
      route: `/api/v1/git-links/[id]/${action}`,
      path: `/api/v1/git-links/${ID}/${action}`,
      permission: "bundle:manage",
    }),
  ),
  { method: "GET", route: "/api/v1/policy-repository/export", permission: "policy:read" },
  { method: "POST", route: "/api/v1/policy-repository/import", permission: "policy:read" },
  { method: "POST", route: "/api/v1/rego/convert-v0", permission: "policy:read" },
  { method: "GET", route: "/api/v1/alerts/webhooks", permission: "alert:manage" },
  { method: "POST", route: "/api/v1/alerts/webhooks", permission: "alert:manage" },
  {
    method: "PATCH",
    route: "/api/v1/alerts/webhooks/[id]",
    path: `/api/v1/alerts/webhooks/${ID}`,
    permission: "alert:manage",
  },
  {
    method: "DELETE",
    route: "/api/v1/alerts/webhooks/[id]",
    path: `/api/v1/alerts/webhooks/${ID}`,
    permission: "alert:manage",
  },
  {
    method: "POST",
    route: "/api/v1/alerts/webhooks/[id]/test",
    path: `/api/v1/alerts/webhooks/${ID}/test`,
    permission: "alert:manage",
  },
  { method: "GET", route: "/api/v1/alerts/deliveries", permission: "alert:manage" },
  {
    method: "POST",
    route: "/api/v1/alerts/deliveries/[id]/redeliver",
    path: `/api/v1/alerts/deliveries/${ID}/redeliver`,
    permission: "alert:manage",
  },
  { method: "GET", route: "/api/v1/signing-keys", permission: "bundle:read" },
  { method: "POST", route: "/api/v1/signing-keys", permission: "key:manage" },
  {
    method: "GET",
    route: "/api/v1/signing-keys/[id]/public-key",
    path: `/api/v1/signing-keys/${ID}/public-key`,
    permission: "bundle:read",
  },
  {
    method: "POST",
    route: "/api/v1/signing-keys/[id]/activate",
    path: `/api/v1/signing-keys/${ID}/activate`,
    permission: "key:manage",
  },
  {
    method: "POST",
    route: "/api/v1/signing-keys/[id]/retire",
    path: `/api/v1/signing-keys/${ID}/retire`,
    permission: "key:manage",
  },
  { method: "GET", route: "/api/v1/agent-credentials", permission: "agent:manage" },
  { method: "POST", route: "/api/v1/agent-credentials", permission: "agent:manage" },
  {
    method: "DELETE",
    route: "/api/v1/agent-credentials/[id]",
    path: `/api/v1/agent-credentials/${ID}`,
    permission: "agent:manage",
  },
  { method: "GET", route: "/api/v1/agent-token-keys", permission: "key:manage" },
  { method: "GET", route: "/api/v1/decisions", permission: "decision:read" },
  { method: "GET", route: "/api/v1/decisions/stats", permission: "decision:read" },
  { method: "GET", route: "/api/v1/decisions/tail", permission: "decision:read" },
  { method: "GET", route: "/api/v1/decisions/export", permission: "decision:export" },
  {
    method: "GET",
    route: "/api/v1/decisions/[decisionId]",
    path: "/api/v1/decisions/no-such-decision",
    permission: "decision:read",
  },
  {
    method: "POST",
    route: "/api/v1/decisions/[decisionId]/replay",
    path: "/api/v1/decisions/no-such-decision/replay",
    permission: "decision:read",
  },
  {
    method: "GET",
    route: "/api/v1/change-requests/[number]/impact",
    path: "/api/v1/change-requests/999999/impact",
    permission: "change:impact",
  },
  {
    method: "GET",
    route: "/api/v1/change-requests/[number]/red-team",
    path: "/api/v1/change-requests/999999/red-team",
    permission: "policy:read",
  },
  {
    method: "POST",
    route: "/api/v1/change-requests/[number]/red-team",
    path: "/api/v1/change-requests/999999/red-team",
    permission: "test:run",
  },
  { method: "POST", route: "/api/v1/agent-token-keys", permission: "key:manage" },
  // Without a moment or a range these stop at validation: nothing is read, exported or recorded.
  { method: "GET", route: "/api/v1/as-of", permission: "evidence:read" },
  { method: "GET", route: "/api/v1/as-of/diff", permission: "evidence:read" },
  { method: "GET", route: "/api/v1/evidence-pack", permission: "evidence:export" },
  ...allowlistRoutes(),
  ...recertificationRoutes(),
];

// Recertification: a campaign that does not exist, so allowed callers stop at 404/400.
const NO_CAMPAIGN = "/api/v1/recertification/campaigns/999999";
const recertificationRoutes = (): Row[] => [
  { method: "GET", route: "/api/v1/recertification/campaigns", permission: "allowlist:read" },
  { method: "POST", route: "/api/v1/recertification/campaigns", permission: "recertification:manage" },
  {
    method: "GET",
    route: "/api/v1/recertification/campaigns/[number]",
    path: NO_CAMPAIGN,
    permission: "allowlist:read",
  },
  {
    method: "POST",
    route: "/api/v1/recertification/campaigns/[number]/close",
    path: `${NO_CAMPAIGN}/close`,
    permission: "recertification:manage",
  },
  {
    method: "POST",
    route: "/api/v1/recertification/campaigns/[number]/reminders",
    path: `${NO_CAMPAIGN}/reminders`,
    permission: "recertification:manage",
  },
  {
    method: "GET",
    route: "/api/v1/recertification/campaigns/[number]/report",
    path: `${NO_CAMPAIGN}/report`,
    permission: "allowlist:read",
  },
  {
    // Owners are checked by the service (the grant's owner or an admin): any reader gets past the route.
    method: "POST",
    route: "/api/v1/recertification/campaigns/[number]/items/[itemId]/decision",
    path: `${NO_CAMPAIGN}/items/${ID}/decision`,
    permission: "allowlist:read",
  },
  { method: "GET", route: "/api/v1/recertification/over-wide", permission: "allowlist:read" },
  { method: "POST", route: "/api/v1/recertification/narrowings", permission: "allowlist:write" },
  { method: "GET", route: "/api/v1/recertification/notices", permission: "allowlist:read" },
  {
    method: "POST",
    route: "/api/v1/recertification/notices/[id]/read",
    path: `/api/v1/recertification/notices/${ID}/read`,
    permission: "allowlist:read",
  },
];

// Allowlists: a service that does not exist, so allowed callers stop at 404/422.
const NO_SERVICE = "/api/v1/allowlists/services/no-such-service";
const allowlistRoutes = (): Row[] => [
  { method: "GET", route: "/api/v1/allowlists/services", permission: "allowlist:read" },
  { method: "POST", route: "/api/v1/allowlists/services", permission: "allowlist:write" },
  { method: "GET", route: "/api/v1/allowlists/services/[name]", path: NO_SERVICE, permission: "allowlist:read" },
  { method: "PATCH", route: "/api/v1/allowlists/services/[name]", path: NO_SERVICE, permission: "allowlist:write" },
  { method: "DELETE", route: "/api/v1/allowlists/services/[name]", path: NO_SERVICE, permission: "allowlist:write" },
  {
    method: "POST",
    route: "/api/v1/allowlists/services/[name]/endpoints",
    path: `${NO_SERVICE}/endpoints`,
    permission: "allowlist:write",
  },
  {
    method: "DELETE",
    route: "/api/v1/allowlists/services/[name]/endpoints/[endpointId]",
    path: `${NO_SERVICE}/endpoints/${ID}`,
    permission: "allowlist:write",
  },
  { method: "POST", route: "/api/v1/allowlists/entries", permission: "allowlist:write" },
  {
    method: "PATCH",
    route: "/api/v1/allowlists/entries/[id]",
    path: `/api/v1/allowlists/entries/${ID}`,
    permission: "allowlist:write",
  },
  {
    method: "DELETE",
    route: "/api/v1/allowlists/entries/[id]",
    path: `/api/v1/allowlists/entries/${ID}`,
    permission: "allowlist:write",
  },
  { method: "POST", route: "/api/v1/allowlists/changes", permission: "allowlist:write" },
  { method: "POST", route: "/api/v1/allowlists/import", permission: "allowlist:write" },
  { method: "GET", route: "/api/v1/allowlists/export", permission: "allowlist:read" },
  { method: "GET", route: "/api/v1/allowlists/callers", permission: "allowlist:read" },
  { method: "GET", route: "/api/v1/allowlists/callers/view", permission: "allowlist:read" },
  { method: "GET", route: "/api/v1/allowlists/expiring", permission: "allowlist:read" },
  { method: "GET", route: "/api/v1/allowlists/matrix", permission: "allowlist:read" },
  { method: "GET", route: "/api/v1/allowlists/opa-data", permission: "allowlist:read" },
  { method: "POST", route: "/api/v1/allowlists/check", permission: "allowlist:read" },
  { method: "POST", route: "/api/v1/allowlists/authz-policy", permission: "policy:write" },
];

const tokens = {} as Record<Role, string>;
let expiredToken = "";
let revokedToken = "";

beforeAll(async () => {
  for (const role of ROLES) tokens[role] = (await tokenFor([role])).token;
  const expired = await tokenFor(["admin", "author", "reviewer", "auditor", "viewer"]);
  await db.apiToken.updateMany({
    where: { userId: expired.user.userId },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  expiredToken = expired.token;
  const revoked = await tokenFor(["admin", "author", "reviewer", "auditor", "viewer"]);
  await db.apiToken.updateMany({ where: { userId: revoked.user.userId }, data: { revokedAt: new Date() } });
  revokedToken = revoked.token;
  const author = await createTestUser(["author"]);
  policyId = (await createPolicy({ actor: author, input: policyInput() })).id;
});

function send(row: Row, token?: string) {
  const hasBody = row.method !== "GET" && row.method !== "DELETE";
  return callApi(row.path ?? row.route, { token, method: row.method, body: hasBody ? {} : undefined });
}

describe("authorization matrix", () => {
  it("answers 401 to anonymous callers and to expired or revoked tokens on every route", async () => {
    for (const row of routes()) {
      for (const token of [undefined, expiredToken, revokedToken, "vdt_not-a-real-token"]) {
        const res = await send(row, token);
        expect({
          route: `${row.method} ${row.route}`,
          status: res.status,
          type: res.headers.get("content-type"),
        }).toEqual({ route: `${row.method} ${row.route}`, status: 401, type: "application/problem+json" });
      }
    }
  });

  it.each(ROLES)("gives the %s role exactly the routes its permissions allow", async (role) => {
    for (const row of routes()) {
      const res = await send(row, tokens[role]);
      const allowed = hasPermission([role], row.permission);
      const outcome = res.status === 403 ? "forbidden" : res.status === 401 ? "unauthenticated" : "allowed";
      expect({ route: `${row.method} ${row.route}`, outcome }).toEqual({
        route: `${row.method} ${row.route}`,
        outcome: allowed ? "allowed" : "forbidden",
      });
    }
  });

  it("lists every /api/v1 route handler", () => {
    const declared = new Set(routes().map((r) => `${r.method} ${r.route}`));
    const missing = routeHandlers().filter((h) => !declared.has(h) && !SIGNED_WEBHOOKS.has(h));
    expect(missing).toEqual([]);
  });
});

function routeHandlers(): string[] {
  const root = path.join(process.cwd(), "app", "api", "v1");
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name === "route.ts") {
        const url = `/api/v1/${path.relative(root, dir)}`.replace(/\/$/, "");
        for (const m of readFileSync(full, "utf8").matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g))
          found.push(`${m[1]} ${url}`);
      }
    }
  };
  walk(root);
  return found;
}
