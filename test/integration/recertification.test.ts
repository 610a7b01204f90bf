import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { freePort } from "@/lib/core/free-port";
import type { Actor } from "@/lib/auth/actor";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { startCampaign } from "@/lib/recertification/start-campaign";
import { getCampaign, listCampaigns } from "@/lib/recertification/campaign-views";
import { decideItem } from "@/lib/recertification/decide-item";
import { closeCampaign } from "@/lib/recertification/close-campaign";
import { sendReminders } from "@/lib/recertification/send-reminders";
import { listNotices, markNoticeRead } from "@/lib/recertification/notices";
import { campaignReportCsv } from "@/lib/recertification/campaign-report";
import { overWideGrants } from "@/lib/recertification/over-wide-grants";
import { proposeNarrowing } from "@/lib/recertification/propose-narrowing";
import { pathPatternRegex } from "@/lib/recertification/grant-evidence";
import { createAlertWebhook } from "@/lib/alerts/create-alert-webhook";
import { createTestUser } from "@/test/factories/actors";
import {
  approveAndPublish,
  createServiceWithEndpoints,
  entry,
  grant,
  shipAllowlistBundle,
} from "@/test/factories/allowlists";
import { appError } from "@/test/factories/app-error";
import { decisionEvent } from "@/test/factories/decisions";
import { unpackTarGz } from "@/lib/core/tarball";
import { grantAccess } from "@/lib/allowlists/grant-access";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";

const DAY_MS = 86_400_000;
const TD = "prod.example";
const SERVICES = 10;
const CALLERS = 25;
const ENDPOINTS: Array<[string, string]> = [
  ["GET", "/items/{id}"],
  ["POST", "/items"],
  ["GET", "/reports/*"],
  ["*", "/health"],
];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

let actors: { admin: Actor; author: Actor; reviewer: Actor };
let owner: Actor;
let stranger: Actor;
const prefix = `rc${process.pid.toString(36)}`;
const caller = (k: number) => `spiffe://${TD}/ns/team-${k % 3}/sa/caller-${k}`;
const key = (service: string, method: string, p: string, c: string) => `${service} ${method} ${p} ${c}`;

type Call = { caller: string; service: string; method: string; path: string; ageMs: number; allow?: boolean };

/** One decision as the shipped authz policy records it: plain input half the time, Envoy's CheckRequest otherwise. */
function event(call: Call, i: number, now: number) {
  const allow = call.allow ?? true;
  const input =
    i % 2 === 0
      ? { caller: call.caller, service: call.service, method: call.method, path: call.path }
      : {
          attributes: {
            source: { principal: call.caller },
            request: { http: { method: call.method, path: `${call.path}?page=${i}` } },
            contextExtensions: { verdict_service: call.service },
          },
        };
  return decisionEvent({
    path: i % 2 === 0 ? "verdict/authz/decision" : "verdict/authz/envoy",
    input,
    result: i % 2 === 0 ? { allow, reason: "generated" } : { allowed: allow, headers: {} },
    timestamp: new Date(now - call.ageMs).toISOString(),
  });
}

async function ingest(calls: Call[], now: number) {
  for (let i = 0; i < calls.length; i += 1000) {
    const events = calls.slice(i, i + 1000).map((c, j) => event(c, i + j, now));
    const result = await ingestDecisionBatch({
      agent: { credentialId: null },
      body: Buffer.from(JSON.stringify(events)),
      now,
    });
    expect(result.stored).toBe(events.length);
  }
}

/** Grants created long enough ago to have had the chance to be used in every window. */
async function ageGrants(services: string[]) {
  await db.$executeRaw`UPDATE allowlist_entries e SET created_at = now() - interval '400 days'
                         FROM service_endpoints p JOIN services s ON s.id = p.service_id
                        WHERE p.id = e.endpoint_id AND s.name = ANY(${services}::text[])`;
}

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  owner = await createTestUser(["viewer"]);
  stranger = await createTestUser(["viewer"]);
  await shipAllowlistBundle(actors);
});

describe("path patterns as SQL regular expressions", () => {
  it("match exactly what the policy matches", async () => {
    const cases: Array<[string, string, boolean]> = [
      ["/refunds", "/refunds", true],
      ["/refunds", "/refunds/", false],
      ["/refunds/{id}", "/refunds/7", true],
      ["/refunds/{id}", "/refunds/", false],
      ["/refunds/{id}", "/refunds/1/2", false],
      ["/reports/*", "/reports/", true],
      ["/reports/*", "/reports/q1/pdf", true],
      ["/reports/*", "/reports", false],
      ["/reports/*", "/reportsX/a", false],
      ["/*", "/anything/at/all", true],
      ["/a.b", "/aXb", false],
      ["/a+b", "/a+b", true],
      ["/", "/", true],
    ];
    const { rows } = await (await import("@/lib/core/db"))
      .pool()
      .query<{ m: boolean[] }>(
        "SELECT array_agg(p ~ r ORDER BY n) AS m FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(r, p, n)",
        [cases.map((c) => pathPatternRegex(c[0])), cases.map((c) => c[1])],
      );
    expect(rows[0]!.m).toEqual(cases.map((c) => c[2]));
  });
});

describe("a recertification campaign over 1,000 grants", () => {
  const expected = { used: new Set<string>(), unused: new Set<string>(), over_wide: new Set<string>() };
  const narrowTo = new Map<string, string[]>();
  const names: string[] = [];
  let number = 0;

  beforeAll(async () => {
    const now = Date.now();
    const specs = [];
    const calls: Call[] = [];
    for (let s = 0; s < SERVICES; s += 1) {
      const svc = await createServiceWithEndpoints(actors.author, {
        name: `${prefix}-svc-${s}`,
        trustDomain: TD,
        endpoints: ENDPOINTS,
      });
      names.push(svc.name);
      for (let k = 0; k < CALLERS; k += 1) {
        for (const [method, p] of ENDPOINTS) {
          specs.push(entry(svc.name, method, p, caller(k), { owner: `team-${k % 4}` }));
          const id = key(svc.name, method, p, caller(k));
          const use = (m: string, rp: string, times = 2, ageMs = DAY_MS) => {
            for (let t = 0; t < times; t += 1)
              calls.push({ caller: caller(k), service: svc.name, method: m, path: rp, ageMs: ageMs + t * 1000 });
          };
          if (k % 5 === 0) {
            // Unused: only denied requests in the window, and allowed ones before it.
            calls.push({
              caller: caller(k),
              service: svc.name,
              method: method === "*" ? "GET" : method,
              path: "/items",
              ageMs: DAY_MS,
              allow: false,
            });
            use(method === "*" ? "GET" : method, p.replace("{id}", "1").replace("*", "old"), 1, 20 * DAY_MS);
            expected.unused.add(id);
          } else if (p === "/reports/*" && k % 5 === 1) {
            use("GET", "/reports/q1", 3);
            use("GET", "/reports/q2", 1);
            expected.over_wide.add(id);
            narrowTo.set(id, ["GET /reports/q1", "GET /reports/q2"]);
          } else if (p === "/reports/*") {
            for (let q = 0; q < 6; q += 1) use("GET", `/reports/q${q}/${k}`, 1);
            expected.used.add(id);
          } else if (p === "/health" && k % 5 === 2) {
            use("GET", "/health", 2);
            expected.over_wide.add(id);
            narrowTo.set(id, ["GET /health"]);
          } else if (p === "/health") {
            for (const m of METHODS) use(m, "/health", 1);
            expected.used.add(id);
          } else if (p === "/items/{id}") {
            for (let n = 0; n < 3; n += 1) use("GET", `/items/${k * 10 + n}`, 1);
            expected.used.add(id);
          } else {
            use("POST", "/items", 2);
            expected.used.add(id);
          }
        }
      }
    }
    await grant(actors.author, specs);
    await ageGrants(names);
    await ingest(calls, now);
  });

  it("classifies used, unused and over-wide grants exactly, with their evidence", async () => {
    const started = performance.now();
    const campaign = await startCampaign({
      actor: actors.admin,
      input: {
        title: "Q4 recertification",
        scope: { kind: "all" },
        unusedDays: 10,
        dueAt: new Date(Date.now() + 14 * DAY_MS).toISOString(),
      },
    });
    const ms = Math.round(performance.now() - started);
    console.log(`recertification: started a campaign over ${campaign.items} grants in ${ms} ms`);
    number = campaign.number;
    const { items } = await getCampaign({ actor: actors.admin, number });
    const ours = items.filter((i) => names.includes(i.service));
    expect(ours).toHaveLength(SERVICES * CALLERS * ENDPOINTS.length);
    const actual = { used: new Set<string>(), unused: new Set<string>(), over_wide: new Set<string>() };
    for (const i of ours) actual[i.classification].add(key(i.service, i.method, i.path, i.caller));
    expect(actual.unused).toEqual(expected.unused);
    expect(actual.over_wide).toEqual(expected.over_wide);
    expect(actual.used).toEqual(expected.used);
    expect(expected.unused.size).toBe(200);
    expect(expected.over_wide.size).toBe(100);
    for (const i of ours) {
      const id = key(i.service, i.method, i.path, i.caller);
      if (i.classification === "over_wide") {
        expect(i.narrowTo!.map((e) => `${e.method} ${e.path}`)).toEqual(narrowTo.get(id));
        expect(i.suggestion).toBe("narrow");
      } else expect(i.narrowTo).toBeNull();
      if (i.classification === "unused") {
        expect(i).toMatchObject({ requestCount: "0", lastUsedAt: null, endpointCount: 0, suggestion: "revoke" });
      }
    }
    const reports = ours.find((i) => i.path === "/reports/*" && i.classification === "over_wide")!;
    expect(reports).toMatchObject({ requestCount: "4", endpointCount: 2 });
    expect(reports.endpoints.map((e) => [e.method, e.path, e.count])).toEqual([
      ["GET", "/reports/q1", 3],
      ["GET", "/reports/q2", 1],
    ]);
    const health = ours.find((i) => i.path === "/health" && i.classification === "used")!;
    expect(health).toMatchObject({ requestCount: "6", endpointCount: 6 });

    const [summary] = await listCampaigns({ actor: owner });
    expect(summary).toMatchObject({ number, status: "open", overdue: false });
    expect(summary!.progress).toMatchObject({ decided: 0, pending: summary!.progress.total });
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { action: "recertification.start", targetId: campaign.id },
    });
    expect(audit.after).toMatchObject({ number, unusedDays: 10, scope: { kind: "all" } });
  });

  it("lets the owner (or an admin) decide, reminds owners and reports the outcome", async () => {
    const { items } = await getCampaign({ actor: actors.admin, number, state: "pending" });
    const item = items.find((i) => names.includes(i.service) && i.owner === "team-1")!;
    // Team owners are not people: only admins decide for them.
    expect(
      (
        await appError(
          decideItem({ actor: stranger, campaignNumber: number, itemId: item.id, input: { decision: "keep" } }),
        )
      ).status,
    ).toBe(403);
    await decideItem({
      actor: actors.admin,
      campaignNumber: number,
      itemId: item.id,
      input: { decision: "keep", note: "still needed" },
    });
    expect(
      (
        await appError(
          decideItem({ actor: actors.admin, campaignNumber: number, itemId: item.id, input: { decision: "revoke" } }),
        )
      ).status,
    ).toBe(409);

    const reminded = await sendReminders({ actor: actors.admin, number });
    expect(reminded.via).toBe("notice");
    const notice = await db.notice.findFirstOrThrow({
      where: { recipient: "team-2", link: `/admin/recertification/${number}` },
    });
    expect(notice.title).toMatch(/allowlist grants of team-2 to recertify/);

    const csv = await campaignReportCsv({ actor: owner, number });
    const lines = csv.body.trim().split("\n");
    expect(lines[0]).toBe(
      "service,method,path,caller,owner,classification,last_used_at,request_count,endpoint_count,narrow_to,suggestion,decision,decided_by,decided_at,change_request,note,overdue",
    );
    expect(lines.filter((l) => l.includes(",keep,") && l.includes("still needed"))).toHaveLength(1);

    await closeCampaign({ actor: actors.admin, number });
    expect(
      (
        await appError(
          decideItem({
            actor: actors.admin,
            campaignNumber: number,
            itemId: items[1]!.id,
            input: { decision: "keep" },
          }),
        )
      ).status,
    ).toBe(409);
    const closed = await db.auditEvent.findFirstOrThrow({
      where: { action: "recertification.close" },
      orderBy: { seq: "desc" },
    });
    expect(closed.after).toMatchObject({ status: "closed", number });
    expect(await db.auditEvent.count({ where: { action: "recertification.decide" } })).toBe(1);
  });
});

describe("narrow and revoke decisions", () => {
  const C1 = `spiffe://${TD}/ns/shop/sa/web`;
  const C2 = `spiffe://${TD}/ns/shop/sa/cron`;
  let service = "";

  it("propose change requests that change nothing until approved and published", async () => {
    const svc = await createServiceWithEndpoints(actors.author, {
      name: `${prefix}-shop`,
      trustDomain: TD,
      endpoints: [
        ["GET", "/reports/*"],
        ["POST", "/orders"],
      ],
    });
    service = svc.name;
    await grant(actors.author, [
      entry(service, "GET", "/reports/*", C1, { owner: owner.email }),
      entry(service, "POST", "/orders", C2, { owner: owner.email.toUpperCase() }),
    ]);
    await ageGrants([service]);
    const now = Date.now();
    await ingest(
      [
        { caller: C1, service, method: "GET", path: "/reports/daily", ageMs: 3600_000 },
        { caller: C1, service, method: "GET", path: "/reports/weekly", ageMs: 7200_000 },
      ],
      now,
    );
    const campaign = await startCampaign({
      actor: actors.admin,
      input: {
        title: "shop",
        scope: { kind: "service", service },
        unusedDays: 30,
        dueAt: new Date(now + DAY_MS).toISOString(),
      },
    });
    const { items } = await getCampaign({ actor: owner, number: campaign.number, mine: true });
    expect(items.map((i) => [i.caller, i.classification, i.mayDecide])).toEqual([
      [C2, "unused", true],
      [C1, "over_wide", true],
    ]);
    const [unused, wide] = items as [(typeof items)[0], (typeof items)[0]];
    expect(
      (
        await appError(
          decideItem({
            actor: stranger,
            campaignNumber: campaign.number,
            itemId: wide.id,
            input: { decision: "narrow" },
          }),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await appError(
          decideItem({
            actor: owner,
            campaignNumber: campaign.number,
            itemId: unused.id,
            input: { decision: "narrow" },
          }),
        )
      ).status,
    ).toBe(422);

    const revoked = await decideItem({
      actor: owner,
      campaignNumber: campaign.number,
      itemId: unused.id,
      input: { decision: "revoke" },
    });
    const narrowed = await decideItem({
      actor: owner,
      campaignNumber: campaign.number,
      itemId: wide.id,
      input: { decision: "narrow" },
    });
    expect(revoked.changeRequest).not.toBeNull();
    expect(narrowed.changeRequest).not.toBeNull();

    const grantsNow = async () =>
      (
        await db.allowlistEntry.findMany({
          where: { endpoint: { service: { name: service } } },
          include: { endpoint: true },
        })
      )
        .map((e) => `${e.callerId} ${e.endpoint.method} ${e.endpoint.pathPattern} ${e.owner}`)
        .sort();
    const before = [`${C1} GET /reports/* ${owner.email}`, `${C2} POST /orders ${owner.email.toUpperCase()}`].sort();
    expect(await grantsNow()).toEqual(before);
    for (const n of [revoked.changeRequest!.number, narrowed.changeRequest!.number]) {
      const cr = await db.changeRequest.findUniqueOrThrow({ where: { number: n }, include: { author: true } });
      expect(cr.status).toBe("open");
      // The owner may not submit changes: the change is authored by the recertification user.
      expect(cr.author.email).toBe("recertification@verdict.invalid");
    }
    const progress = (await listCampaigns({ actor: owner })).find((c) => c.number === campaign.number)!.progress;
    expect(progress).toMatchObject({ total: 2, decided: 2, narrowed: 1, revoked: 1, pending: 0 });

    await approveAndPublish(actors, revoked.changeRequest!.number);
    expect(await grantsNow()).toEqual([`${C1} GET /reports/* ${owner.email}`]);
    await approveAndPublish(actors, narrowed.changeRequest!.number);
    expect(await grantsNow()).toEqual([
      `${C1} GET /reports/daily ${owner.email}`,
      `${C1} GET /reports/weekly ${owner.email}`,
    ]);
    const decided = await db.auditEvent.findMany({
      where: { action: "recertification.decide" },
      orderBy: { seq: "asc" },
    });
    expect(decided.slice(-2).map((e) => (e.after as { decision: string }).decision)).toEqual(["revoke", "narrow"]);
  });

  it("never lets the person who asked for a revoke approve it", async () => {
    const reviewingOwner = await createTestUser(["reviewer"]);
    const svc = await createServiceWithEndpoints(actors.author, {
      name: `${prefix}-self`,
      trustDomain: TD,
      endpoints: [["GET", "/self"]],
    });
    await grant(actors.author, [entry(svc.name, "GET", "/self", C1, { owner: reviewingOwner.email })]);
    await ageGrants([svc.name]);
    const campaign = await startCampaign({
      actor: actors.admin,
      input: {
        title: "self",
        scope: { kind: "service", service: svc.name },
        unusedDays: 30,
        dueAt: new Date(Date.now() + DAY_MS).toISOString(),
      },
    });
    const [item] = (await getCampaign({ actor: reviewingOwner, number: campaign.number })).items;
    const decided = await decideItem({
      actor: reviewingOwner,
      campaignNumber: campaign.number,
      itemId: item!.id,
      input: { decision: "revoke" },
    });
    const cr = await db.changeRequest.findUniqueOrThrow({ where: { number: decided.changeRequest!.number } });
    expect(cr.origin).toMatchObject({
      type: "recertification",
      campaign: campaign.number,
      requestedById: reviewingOwner.userId,
    });
    const refused = await appError(
      reviewChangeRequest({ actor: reviewingOwner, number: cr.number, input: { verdict: "approve", body: "" } }),
    );
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/someone else must review it/);
    await approveAndPublish(actors, cr.number);
    expect(await db.allowlistEntry.count({ where: { id: item!.entryId } })).toBe(0);
  });

  it("reminds through the alert webhooks when one subscribes, and owners see their notices otherwise", async () => {
    const svc = await createServiceWithEndpoints(actors.author, {
      name: `${prefix}-notes`,
      trustDomain: TD,
      endpoints: [["GET", "/n"]],
    });
    await grant(actors.author, [entry(svc.name, "GET", "/n", C1, { owner: owner.email })]);
    const campaign = await startCampaign({
      actor: actors.admin,
      input: {
        title: "notes",
        scope: { kind: "owner", owner: owner.email },
        unusedDays: 30,
        dueAt: new Date(Date.now() + DAY_MS).toISOString(),
      },
    });
    expect(await sendReminders({ actor: actors.admin, number: campaign.number })).toEqual({ owners: 1, via: "notice" });
    const [notice] = await listNotices({ actor: owner });
    expect(notice).toMatchObject({
      kind: "recertification_reminder",
      read: false,
      link: `/admin/recertification/${campaign.number}`,
    });
    expect(await listNotices({ actor: stranger })).toEqual([]);
    expect((await appError(markNoticeRead({ actor: stranger, id: notice!.id }))).status).toBe(404);
    await markNoticeRead({ actor: owner, id: notice!.id });
    expect((await listNotices({ actor: owner }))[0]!.read).toBe(true);

    await createAlertWebhook({
      actor: actors.admin,
      input: {
        name: `${prefix}-recert`,
        url: "http://127.0.0.1:9/hook",
        format: "json",
        kinds: ["recertification_reminder"],
      },
    });
    expect(await sendReminders({ actor: actors.admin, number: campaign.number })).toEqual({
      owners: 1,
      via: "webhook",
    });
    const firing = await db.alertFiring.findFirstOrThrow({
      where: { kind: "recertification_reminder" },
      include: { deliveries: true },
    });
    expect(firing.details).toMatchObject({ campaign: campaign.number, owner: owner.email, pending: 3 });
    expect(firing.deliveries).toHaveLength(1);
    await db.alertWebhook.updateMany({ where: { name: `${prefix}-recert` }, data: { enabled: false } });
  });

  it("needs the admin role to start or close a campaign", async () => {
    const input = { title: "x", unusedDays: 5, dueAt: new Date(Date.now() + DAY_MS).toISOString() };
    expect((await appError(startCampaign({ actor: actors.author, input }))).status).toBe(403);
    expect(
      (await appError(startCampaign({ actor: actors.admin, input: { ...input, dueAt: "2020-01-01" } }))).status,
    ).toBe(422);
    expect((await appError(closeCampaign({ actor: owner, number: 1 }))).status).toBe(403);
  });
});

describe("least privilege from evidence, with decisions from a real opa agent", () => {
  const CALLER = `spiffe://${TD}/ns/ops/sa/probe`;
  let agent: { stop: () => Promise<void> } | null = null;
  let receiver: Server | null = null;
  afterAll(async () => {
    await agent?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it("shows grants wider than their use and proposes narrowing them for review", async () => {
    const svc = await createServiceWithEndpoints(actors.author, {
      name: `${prefix}-ops`,
      trustDomain: TD,
      endpoints: [["*", "/status/*"]],
    });
    const proposal = await grantAccess({
      actor: actors.author,
      input: entry(svc.name, "*", "/status/*", CALLER, { owner: "team-ops" }),
    });
    const published = await approveAndPublish(actors, proposal.changeRequest!.number);
    const revision = await db.bundleRevision.findUniqueOrThrow({ where: { id: published.revisions[0]!.id } });

    // The agent runs the shipped policy and allowlists and uploads its decision log here.
    let uploads = 0;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        ingestDecisionBatch({ agent: { credentialId: null }, body: gunzipSync(Buffer.concat(chunks)) }).then(
          (r) => {
            uploads += r.stored;
            res.writeHead(204).end();
          },
          () => res.writeHead(500).end(),
        );
      });
    });
    const receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver!.listen(receiverPort, "127.0.0.1", resolve));
    agent = await startAgent(Buffer.from(revision.bytes), `http://127.0.0.1:${receiverPort}`);
    const decide = (agent as Awaited<ReturnType<typeof startAgent>>).decide;
    const calls = [
      ["GET", "/status/live"],
      ["GET", "/status/live"],
      ["GET", "/status/ready"],
      ["DELETE", "/other"],
    ];
    const results = [];
    for (const [method, p] of calls) results.push(await decide({ caller: CALLER, service: svc.name, method, path: p }));
    expect(results.map((r) => (r as { allow: boolean }).allow)).toEqual([true, true, true, false]);
    const deadline = Date.now() + 20_000;
    while (uploads < calls.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(uploads).toBe(calls.length);

    const wide = await overWideGrants({ actor: owner, service: svc.name, days: 30 });
    expect(wide.map((g) => [g.caller, g.method, g.path, g.requestCount, g.narrowTo])).toEqual([
      [
        CALLER,
        "*",
        "/status/*",
        "3",
        [
          { method: "GET", path: "/status/live" },
          { method: "GET", path: "/status/ready" },
        ],
      ],
    ]);
    expect((await appError(proposeNarrowing({ actor: owner, entryId: wide[0]!.id, days: 30 }))).status).toBe(403);
    const proposed = await proposeNarrowing({ actor: actors.author, entryId: wide[0]!.id, days: 30 });
    const cr = await db.changeRequest.findUniqueOrThrow({ where: { number: proposed.changeRequest.number } });
    expect(cr).toMatchObject({ status: "open", authorId: actors.author.userId });
    expect(await db.allowlistEntry.count({ where: { id: wide[0]!.id } })).toBe(1);
  });
});

/** `opa run -s` with a published bundle revision loaded from disk, logging decisions to `logsUrl`. */
async function startAgent(bundle: Buffer, logsUrl: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-recert-"));
  const files = await unpackTarGz(bundle);
  expect(files.some((f) => f.name === "verdict/allowlists/data.json")).toBe(true);
  writeFileSync(path.join(dir, "bundle.tar.gz"), bundle);
  writeFileSync(
    path.join(dir, "opa.yaml"),
    JSON.stringify({
      services: { verdict: { url: logsUrl } },
      decision_logs: {
        service: "verdict",
        resource: "/logs",
        reporting: { min_delay_seconds: 1, max_delay_seconds: 1 },
      },
    }),
  );
  const port = await freePort();
  const child = spawn(
    process.env.OPA_BIN!,
    [
      "run",
      "-s",
      "--addr",
      `127.0.0.1:${port}`,
      "-c",
      "opa.yaml",
      "--skip-version-check",
      "--skip-verify",
      "-b",
      "bundle.tar.gz",
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  child.stdout!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) throw new Error(`opa exited with ${child.exitCode}: ${stderr}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    decide: async (input: unknown) =>
      (
        (await (
          await fetch(`${url}/v1/data/verdict/authz/decision`, { method: "POST", body: JSON.stringify({ input }) })
        ).json()) as { result?: unknown }
      ).result,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
