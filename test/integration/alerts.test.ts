import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { freePort } from "@/lib/core/free-port";
import type { Actor } from "@/lib/auth/actor";
import { createAlertWebhook } from "@/lib/alerts/create-alert-webhook";
import { deliverDueAlerts, MAX_ATTEMPTS } from "@/lib/alerts/deliver-alerts";
import { listAlertDeliveries } from "@/lib/alerts/list-alert-deliveries";
import { listAlertWebhooks } from "@/lib/alerts/list-alert-webhooks";
import { evaluateAlerts, raiseAlert } from "@/lib/alerts/raise-alerts";
import { redeliverAlert, sendTestAlert } from "@/lib/alerts/redeliver-alert";
import { ZCreateAlertWebhook } from "@/lib/alerts/schemas";
import { deleteAlertWebhook, updateAlertWebhook } from "@/lib/alerts/update-alert-webhook";
import type { AlertThresholds } from "@/lib/alerts/detect-alerts";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { createTestUser } from "@/test/factories/actors";
import { createServiceWithEndpoints, entry, grant } from "@/test/factories/allowlists";
import { decisionEvent } from "@/test/factories/decisions";

const thresholds: AlertThresholds = { spikeFactor: 3, spikeMinDenials: 20, expiryDays: 7, unhealthyAgents: 1 };

type Received = { headers: IncomingHttpHeaders; body: string };

/** A webhook receiver on loopback that answers `status` and keeps what it got. */
async function startReceiver(port = 0, status = 204) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    received,
    url: `http://127.0.0.1:${address.port}/hooks/T0001/secret-path-token`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function expectSigned(request: Received, secret: string) {
  const timestamp = request.headers["x-verdict-timestamp"] as string;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${request.body}`).digest("hex");
  expect(request.headers["x-verdict-signature"]).toBe(`sha256=${expected}`);
}

let admin: Actor;
let author: Actor;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  author = await createTestUser(["author"]);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

async function deliveriesOf(webhookId: string) {
  return listAlertDeliveries({ actor: admin, query: { webhookId, limit: 100 } });
}

describe("alert webhooks", () => {
  it("delivers a signed alert once while its condition holds, and resolves it when it clears", async () => {
    const { webhook, secret } = await createAlertWebhook({
      actor: admin,
      input: { name: "expiry-json", url: receiver.url, format: "json", kinds: ["grants_expiring"] },
    });
    const service = await createServiceWithEndpoints(author, { endpoints: [["GET", "/soon"]] });
    const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
    await grant(author, [
      entry(service.name, "GET", "/soon", "spiffe://prod.example/ns/a/sa/b", {
        owner: "team-expiry",
        expiresAt: inTwoDays,
      }),
    ]);
    const first = await evaluateAlerts({ thresholds });
    expect(first.fired.map((a) => [a.kind, a.key.split(":")[0]])).toContainEqual(["grants_expiring", "team-expiry"]);
    const before = receiver.received.length;
    const sent = await deliverDueAlerts();
    expect(sent.filter((s) => s.delivered)).toHaveLength(1);
    const request = receiver.received.at(-1)!;
    expect(receiver.received.length).toBe(before + 1);
    expectSigned(request, secret);
    expect(request.headers["x-verdict-event"]).toBe("grants_expiring");
    expect(JSON.parse(request.body)).toMatchObject({
      source: "verdict",
      kind: "grants_expiring",
      severity: "info",
      details: { owner: "team-expiry", grants: 1 },
    });

    // Still true on the next check: nothing new is sent.
    expect((await evaluateAlerts({ thresholds })).fired.filter((a) => a.kind === "grants_expiring")).toEqual([]);
    expect(await deliveriesOf(webhook.id)).toHaveLength(1);

    // The grant is extended past the window: the condition clears.
    await db.allowlistEntry.updateMany({
      where: { owner: "team-expiry" },
      data: { expiresAt: new Date(Date.now() + 60 * 86_400_000) },
    });
    expect((await evaluateAlerts({ thresholds })).resolved).toBeGreaterThanOrEqual(1);
    expect(await db.alertFiring.count({ where: { kind: "grants_expiring", resolvedAt: null } })).toBe(0);
  });

  it("retries a receiver that is down with backoff, and delivers once it is back: nothing is lost", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const { webhook, secret } = await createAlertWebhook({
      actor: admin,
      input: { name: "down-for-a-while", url, format: "json", kinds: ["rollout_aborted"] },
    });
    const t0 = new Date();
    await db.$transaction((tx) =>
      raiseAlert(
        tx,
        { kind: "rollout_aborted", key: "payments r13", severity: "critical", summary: "r13 aborted", details: {} },
        t0,
      ),
    );
    const [failed] = await deliverDueAlerts({ now: t0 });
    expect(failed).toMatchObject({ delivered: false, status: null, error: "ECONNREFUSED" });
    const [pending] = await deliveriesOf(webhook.id);
    expect(pending).toMatchObject({ state: "pending", attempts: 1, lastError: "ECONNREFUSED" });
    expect(Date.parse(pending!.nextAttemptAt!) - t0.getTime()).toBe(30_000);

    // Not due yet.
    expect(await deliverDueAlerts({ now: new Date(t0.getTime() + 10_000) })).toEqual([]);

    const back = await startReceiver(port);
    try {
      const [delivered] = await deliverDueAlerts({ now: new Date(t0.getTime() + 31_000) });
      expect(delivered).toMatchObject({ delivered: true, status: 204 });
      expect(back.received).toHaveLength(1);
      expectSigned(back.received[0]!, secret);
      expect(back.received[0]!.headers["x-verdict-delivery"]).toBe(pending!.id);
      expect(await deliverDueAlerts({ now: new Date(t0.getTime() + 3_600_000) })).toEqual([]);
    } finally {
      await back.close();
    }
    const [done] = await deliveriesOf(webhook.id);
    expect(done).toMatchObject({ state: "delivered", attempts: 2, lastStatus: 204 });
  });

  it("marks a delivery failed after its last attempt, keeps it in the log, and sends it again on request", async () => {
    const failing = await startReceiver(0, 500);
    try {
      const { webhook } = await createAlertWebhook({
        actor: admin,
        input: { name: "always-500", url: failing.url, format: "slack", kinds: ["rollout_aborted"] },
      });
      // Only this webhook takes rollout alerts in this test.
      await db.alertWebhook.updateMany({ where: { id: { not: webhook.id } }, data: { enabled: false } });
      let now = new Date();
      await db.$transaction((tx) =>
        raiseAlert(
          tx,
          { kind: "rollout_aborted", key: "x", severity: "critical", summary: "rollout aborted", details: {} },
          now,
        ),
      );
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const outcomes = await deliverDueAlerts({ now });
        expect(outcomes.map((o) => o.status)).toEqual([500]);
        now = new Date(now.getTime() + 3_600_000);
      }
      const [failed] = await deliveriesOf(webhook.id);
      expect(failed).toMatchObject({ state: "failed", attempts: MAX_ATTEMPTS, lastStatus: 500 });
      expect(await deliverDueAlerts({ now })).toEqual([]);
      expect(failing.received).toHaveLength(MAX_ATTEMPTS);
      const slack = JSON.parse(failing.received[0]!.body);
      expect(slack.text).toBe("Rollout aborted: rollout aborted");
      expect(slack.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });

      await updateAlertWebhook({ actor: admin, id: webhook.id, input: { url: receiver.url } });
      expect(await redeliverAlert({ actor: admin, id: failed!.id })).toMatchObject({ delivered: true });
      expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ state: "delivered", attempts: 1 });
    } finally {
      await failing.close();
    }
  });

  it("alerts on denial spikes per caller and per path from ingested decision logs", async () => {
    const caller = "spiffe://prod.example.com/ns/intruder/sa/scanner";
    const events = Array.from({ length: 25 }, () =>
      decisionEvent({
        path: "spike/authz/allow",
        input: { caller, method: "GET", path: "/admin" },
        result: { allow: false },
        labels: { id: "spike-agent", instance: "spike-1" },
      }),
    );
    await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify(events)) });
    const { fired } = await evaluateAlerts({ thresholds });
    const spikes = fired.filter((a) => a.kind === "denial_spike").map((a) => a.key);
    expect(spikes).toEqual(expect.arrayContaining([`caller:${caller}`, "path:spike/authz/allow"]));
    // Below the minimum count nothing spikes.
    const { fired: none } = await evaluateAlerts({ thresholds: { ...thresholds, spikeMinDenials: 26 } });
    expect(none.filter((a) => a.kind === "denial_spike")).toEqual([]);
  });

  it("alerts on agents running a revision Verdict never published, and on stale agents", async () => {
    const now = new Date();
    const rogue = await db.agent.create({
      data: {
        identity: "drifting-agent",
        identitySource: "labels.id",
        labels: {},
        lastStatus: {},
        lastSeenAt: now,
        bundles: {
          create: { bundleName: "payments", activeRevision: "hand-built-1", updatedAt: now },
        },
      },
    });
    await db.agent.create({
      data: {
        identity: "silent-agent",
        identitySource: "labels.id",
        labels: {},
        lastStatus: {},
        lastSeenAt: new Date(now.getTime() - 10 * 60_000),
      },
    });
    const { fired } = await evaluateAlerts({ thresholds, now });
    expect(fired.find((a) => a.kind === "revision_drift")).toMatchObject({
      key: "payments@hand-built-1",
      severity: "critical",
      details: { agents: 1, sample: ["drifting-agent"] },
    });
    expect(fired.find((a) => a.kind === "unhealthy_agents" && a.key === "stale")).toMatchObject({
      details: { agents: 1, sample: ["silent-agent"] },
    });
    await db.agent.delete({ where: { id: rogue.id } });
    await evaluateAlerts({ thresholds, now });
    expect(await db.alertFiring.count({ where: { kind: "revision_drift", resolvedAt: null } })).toBe(0);
  });

  it("keeps the URL and secret sealed, shows a masked URL, and records every change in the audit trail", async () => {
    const { webhook, secret } = await createAlertWebhook({
      actor: admin,
      input: { name: "sealed", url: receiver.url, format: "json", kinds: ["unhealthy_agents"] },
    });
    const row = await db.alertWebhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row.urlSealed).not.toContain("secret-path-token");
    expect(row.secretSealed).not.toContain(secret);
    expect(webhook.url).toBe(`${new URL(receiver.url).origin}/hooks/…`);
    expect((await listAlertWebhooks({ actor: admin })).map((w) => w.name)).toContain("sealed");

    const test = await sendTestAlert({ actor: admin, id: webhook.id });
    expect(test).toMatchObject({ delivered: true, status: 204 });
    expectSigned(receiver.received.at(-1)!, secret);

    await updateAlertWebhook({ actor: admin, id: webhook.id, input: { enabled: false } });
    await deleteAlertWebhook({ actor: admin, id: webhook.id });
    const events = await db.auditEvent.findMany({ where: { targetId: webhook.id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual([
      "alert.webhook_created",
      "alert.test_sent",
      "alert.webhook_updated",
      "alert.webhook_deleted",
    ]);
    const trail = JSON.stringify(events, (_, v) => (typeof v === "bigint" ? v.toString() : v));
    expect(trail).not.toContain(secret);
    expect(trail).not.toContain("secret-path-token");
  });

  it("refuses bad input with precise errors and needs alert:manage", async () => {
    const bad = ZCreateAlertWebhook.safeParse({ name: "x", url: "file:///etc/passwd", format: "json", kinds: [] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["url", "kinds"]));
    await expect(
      createAlertWebhook({
        actor: admin,
        input: { name: "sealed-twice", url: receiver.url, format: "json", kinds: ["denial_spike"] },
      }).then(() =>
        createAlertWebhook({
          actor: admin,
          input: { name: "sealed-twice", url: receiver.url, format: "json", kinds: ["denial_spike"] },
        }),
      ),
    ).rejects.toMatchObject({ code: "conflict" });
    const auditor = await createTestUser(["auditor"]);
    await expect(listAlertWebhooks({ actor: auditor })).rejects.toBeInstanceOf(AppError);
  });
});
