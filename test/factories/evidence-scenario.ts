import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { db, pool } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { flushAgentStatus } from "@/lib/agents/record-agent-status";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { proposeAllowlistChange } from "@/lib/allowlists/propose-allowlist-change";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";
import { approveAndPublish, createServiceWithEndpoints, entry, shipAllowlistBundle } from "@/test/factories/allowlists";
import { fastPolling, startOpaAgent, type OpaAgent } from "@/test/support/opa-agent";

export type Actors = { admin: Actor; author: Actor; reviewer: Actor; auditor: Actor };
type Moment = { revision: string; publishedAt: Date };

/**
 * A scripted history with a real `opa run` agent in front of the agent plane: a policy bundle
 * published three times (r1 alice, r2 alice+bob, r3 bob) and an allowlist bundle published three
 * times (r1 empty, r2 granting orders GET /refunds/{id}, r3 revoking that and granting reports
 * GET /reports/*). The agent runs both bundles, reports status and uploads its decisions.
 */
export async function evidenceScenario() {
  const actors: Actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
    auditor: await createTestUser(["auditor"]),
  };
  const server = http.createServer((req, res) => {
    if (!serveAgentPlane(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const policy = await approvedScenario(actors, { users: ["alice"] });
  await publishChangeRequest({
    actor: actors.admin,
    number: policy.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  const authz = await shipAllowlistBundle(actors, `authz-${process.pid}`);
  const service = await createServiceWithEndpoints(actors.author, {
    endpoints: [
      ["GET", "/refunds/{id}"],
      ["GET", "/reports/*"],
    ],
  });
  const orders = "spiffe://prod.example/ns/orders/sa/api";
  const reports = "spiffe://prod.example/ns/reports/sa/cron";

  const credential = await createTestAgentCredential(actors.admin, {
    bundles: [policy.bundle.name, authz.bundle.name],
    mayUploadLogs: true,
  });
  const agent = await startOpaAgent({
    name: `evidence-${process.pid}`,
    instance: "evidence-agent",
    config: credential.opaConfig,
    tweak: (config) => {
      fastPolling(2)(config);
      config.services.verdict.url = `${base}/api/opa`;
      config.decision_logs.reporting = { min_delay_seconds: 1, max_delay_seconds: 2 };
    },
  });
  const bundles = { policy: policy.bundle.name, authz: authz.bundle.name };
  const reach = async (revisions: { policy: string; authz: string }) => {
    await eventually(
      async () => {
        expect(await agent.activeRevision(bundles.policy)).toBe(revisions.policy);
        expect(await agent.activeRevision(bundles.authz)).toBe(revisions.authz);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // Its next status report names them: wait until it is stored.
    await eventually(
      async () => {
        await flushAgentStatus();
        const { rows } = await pool().query<{ n: number }>(
          `SELECT count(*)::int AS n FROM agent_revision_reports WHERE agent_identity = 'evidence-agent'
             AND ((bundle_name = $1 AND active_revision = $2) OR (bundle_name = $3 AND active_revision = $4))`,
          [bundles.policy, revisions.policy, bundles.authz, revisions.authz],
        );
        expect(rows[0]!.n).toBe(2);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  };
  await reach({ policy: "r1", authz: "r1" });

  const grantOrders = await proposeAllowlistChange({
    actor: actors.author,
    input: {
      upserts: [{ row: 1, value: entry(service.name, "GET", "/refunds/{id}", orders, { owner: "team-orders" }) }],
      removals: [],
      mode: "merge",
      dryRun: false,
      source: "test",
    },
  });
  await approveAndPublish(actors, grantOrders.changeRequest!.number);
  await runPolicyTests({ actor: actors.author, policyId: policy.policy.id, input: { version: 1, timeoutMs: 5000 } });
  await shipNewVersion(actors, policy, ["alice", "bob"], 1);
  await reach({ policy: "r2", authz: "r2" });
  const decide = async () => ({
    alice: await agent.decide(`${policy.root}/authz/allow`, { user: "alice" }),
    bob: await agent.decide(`${policy.root}/authz/allow`, { user: "bob" }),
    orders: await agent.decide("verdict/authz/allow", {
      caller: orders,
      service: service.name,
      method: "GET",
      path: "/refunds/7",
    }),
  });
  const atR2 = await decide();

  const swap = await proposeAllowlistChange({
    actor: actors.author,
    input: {
      upserts: [{ row: 1, value: entry(service.name, "GET", "/reports/*", reports, { owner: "team-reports" }) }],
      removals: [{ row: 2, value: { service: service.name, method: "GET", path: "/refunds/{id}", caller: orders } }],
      mode: "merge",
      dryRun: false,
      source: "test",
    },
  });
  await approveAndPublish(actors, swap.changeRequest!.number);
  await shipNewVersion(actors, policy, ["bob"], 2);
  await reach({ policy: "r3", authz: "r3" });
  const atR3 = await decide();
  // The six decisions asked above, uploaded by the agent itself (its status probes are logged too).
  await eventually(
    async () => {
      const { rows } = await pool().query<{ n: number }>(
        `SELECT count(*)::int AS n FROM decisions WHERE agent = 'evidence-agent' AND path NOT LIKE 'system/%'`,
      );
      expect(rows[0]!.n).toBe(6);
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  await flushAgentStatus();

  const revisions = async (bundle: string): Promise<Moment[]> =>
    db.bundleRevision.findMany({
      where: { bundle: { name: bundle } },
      orderBy: { number: "asc" },
      select: { revision: true, publishedAt: true },
    });
  return {
    actors,
    agent,
    base,
    bundles,
    service: service.name,
    callers: { orders, reports },
    changeRequests: { grantOrders: grantOrders.changeRequest!.number, swap: swap.changeRequest!.number },
    policy,
    decisions: { atR2, atR3 },
    revisions: { policy: await revisions(bundles.policy), authz: await revisions(bundles.authz) },
    stop: async (a: OpaAgent = agent) => {
      await a.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type EvidenceScenario = Awaited<ReturnType<typeof evidenceScenario>>;
