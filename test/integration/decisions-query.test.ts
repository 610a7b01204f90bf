import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { listDecisions, tailDecisions } from "@/lib/decisions/list-decisions";
import { getDecisionStats } from "@/lib/decisions/decision-stats";
import { exportDecisions } from "@/lib/decisions/export-decisions";
import { getDecisionOrThrow } from "@/lib/decisions/get-decision";
import { ZDecisionFilter, ZExportDecisionsQuery, ZListDecisionsQuery } from "@/lib/decisions/schemas";
import { createTestUser } from "@/test/factories/actors";
import { decisionEvent } from "@/test/factories/decisions";

let auditor: Actor;
let viewer: Actor;
const HOUR = 3600_000;
// Seven hours of decisions, one every ten minutes, ending an hour ago (so stats use the rollups).
const base = Math.floor((Date.now() - 8 * HOUR) / HOUR) * HOUR;
const run = randomUUID().slice(0, 8);
const agentA = `agent-a-${run}`;
const agentB = `agent-b-${run}`;
type Spec = {
  i: number;
  id: string;
  allowed: boolean;
  caller: string;
  method: string;
  agent: string;
  revision: string;
  path: string;
};
const specs: Spec[] = [];

beforeAll(async () => {
  auditor = await createTestUser(["auditor"]);
  viewer = await createTestUser(["viewer"]);
  const events = [];
  for (let i = 0; i < 42; i++) {
    const spec: Spec = {
      i,
      id: `${run}-${String(i).padStart(3, "0")}`,
      allowed: i % 4 !== 0,
      caller: i % 3 === 0 ? `spiffe://prod/ns/billing_x/sa/job-${i % 2}` : `spiffe://prod/ns/orders/sa/api-${i % 2}`,
      method: i % 5 === 0 ? "DELETE" : "GET",
      agent: i % 2 ? agentA : agentB,
      revision: i < 21 ? `r1-${run}` : `r2-${run}`,
      path: i % 7 === 0 ? "httpapi/rbac/allow" : "verdict/authz/allow",
    };
    specs.push(spec);
    events.push(
      decisionEvent({
        decision_id: spec.id,
        timestamp: new Date(base + i * 10 * 60_000).toISOString(),
        path: spec.path,
        input: { caller: spec.caller, method: spec.method, amount: i * 10, tags: ["t", `n${i}`] },
        result: { allow: spec.allowed, reason: `case ${i}` },
        labels: { id: "x", instance: spec.agent },
        bundles: { main: { revision: spec.revision } },
      }),
    );
  }
  await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify(events)) });
});

const mine = (s: Spec) => s.agent === agentA || s.agent === agentB;
const from = () => new Date(base - HOUR).toISOString();
const list = (q: Record<string, unknown>) =>
  listDecisions({ actor: auditor, query: ZListDecisionsQuery.parse({ from: from(), ...q }) });

async function all(q: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ ...q, limit: 5, cursor });
    ids.push(...page.items.map((d) => d.decisionId).filter((id) => id.startsWith(run)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

const expectIds = (predicate: (s: Spec) => boolean) =>
  specs
    .filter((s) => mine(s) && predicate(s))
    .map((s) => s.id)
    .reverse();

describe("listing decisions", () => {
  it("pages newest first through every decision exactly once (keyset)", async () => {
    expect(await all({})).toEqual(expectIds(() => true));
  });

  it.each<[string, Record<string, string>, (s: Spec) => boolean]>([
    ["denied only", { outcome: "denied" }, (s) => !s.allowed],
    ["allowed only", { outcome: "allowed" }, (s) => s.allowed],
    ["a path as OPA logs it", { path: "httpapi/rbac/allow" }, (s) => s.path === "httpapi/rbac/allow"],
    ["a path as a query", { path: "data.httpapi.rbac.allow" }, (s) => s.path === "httpapi/rbac/allow"],
    [
      "a caller prefix with LIKE wildcards in it",
      { caller: "spiffe://prod/ns/billing_x/" },
      (s) => s.caller.includes("billing_x"),
    ],
    ["an agent", { agent: agentA }, (s) => s.agent === agentA],
    ["a revision", { revision: `r2-${run}` }, (s) => s.revision === `r2-${run}`],
    ["a JSON match", { match: 'input.method = "DELETE"' }, (s) => s.method === "DELETE"],
    [
      "a numeric JSON match",
      { match: 'input.amount >= 300 and input.tags[1] startswith "n3"' },
      (s) => s.i >= 30 && s.i < 40,
    ],
    ["a match on the result", { match: 'result.reason = "case 7"' }, (s) => s.i === 7],
    [
      "combined filters",
      { outcome: "denied", agent: agentB, match: 'input.method != "DELETE"' },
      (s) => !s.allowed && s.agent === agentB && s.method !== "DELETE",
    ],
  ])("filters by %s", async (_name, filter, predicate) => {
    expect(await all(filter)).toEqual(expectIds(predicate));
  });

  it("finds a decision by id and narrows by time range", async () => {
    expect(await all({ decisionId: `${run}-007` })).toEqual([`${run}-007`]);
    const to = new Date(base + 10 * 10 * 60_000).toISOString();
    expect(await all({ from: new Date(base + 5 * 10 * 60_000).toISOString(), to })).toEqual(
      expectIds((s) => s.i >= 5 && s.i < 10),
    );
  });

  it("treats hostile filter values as data", async () => {
    expect(await all({ caller: "%' OR 1=1 --" })).toEqual([]);
    expect(await all({ match: `input.method = "x') OR true --"` })).toEqual([]);
    expect(await db.$queryRaw`SELECT count(*)::int AS n FROM decisions WHERE decision_id LIKE ${`${run}%`}`).toEqual([
      { n: 42 },
    ]);
  });

  it("answers 422 for an invalid match expression or cursor, and 403 to a viewer", async () => {
    const bad = await list({ match: "input.method = DELETE" }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AppError);
    expect((bad as AppError).fieldErrors?.[0]).toEqual({
      path: "query.match",
      message: 'expected a JSON value (a "string", a number, true, false or null) at column 16',
    });
    expect(((await list({ cursor: "garbage" }).catch((e: unknown) => e)) as AppError).status).toBe(422);
    const denied = await listDecisions({ actor: viewer, query: ZListDecisionsQuery.parse({}) }).catch(
      (e: unknown) => e,
    );
    expect((denied as AppError).status).toBe(403);
  });
});

describe("live tail", () => {
  it("returns decisions received since the watermark, newest arrivals first", async () => {
    const first = await tailDecisions({ actor: auditor, query: { limit: 100 } as never });
    const event = decisionEvent({ labels: { id: "t", instance: agentA } });
    await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify([event])) });
    const next = await tailDecisions({
      actor: auditor,
      query: { since: new Date(first.watermark), limit: 100, agent: agentA } as never,
    });
    expect(next.items[0]?.decisionId).toBe(event.decision_id);
    expect(next.items.every((d) => d.agent === agentA)).toBe(true);
  });
});

describe("statistics", () => {
  const stats = (q: Record<string, unknown>) =>
    getDecisionStats({
      actor: auditor,
      filter: ZDecisionFilter.parse({
        from: new Date(base).toISOString(),
        to: new Date(base + 7 * HOUR).toISOString(),
        ...q,
      }),
    });

  it("counts from the hourly rollups exactly what the rows say", async () => {
    const s = await stats({ agent: agentA });
    expect(s.source).toBe("rollups");
    const expected = specs.filter((x) => x.agent === agentA);
    expect(s.totals).toEqual({
      all: expected.length,
      allowed: expected.filter((x) => x.allowed).length,
      denied: expected.filter((x) => !x.allowed).length,
      other: 0,
    });
    expect(s.series).toHaveLength(7);
    expect(s.series.reduce((n, p) => n + p.allowed + p.denied, 0)).toBe(expected.length);
  });

  it("agrees between rollups and a scan, including partial hours at both ends", async () => {
    const q = {
      from: new Date(base + 15 * 60_000).toISOString(),
      to: new Date(base + 6 * HOUR + 25 * 60_000).toISOString(),
    };
    const viaRollups = await stats({ ...q, agent: agentB });
    const viaScan = await stats({ ...q, agent: agentB, match: "input.caller" });
    expect(viaRollups.source).toBe("rollups");
    expect(viaScan.source).toBe("scan");
    expect(viaRollups.totals).toEqual(viaScan.totals);
    expect(viaRollups.topPaths).toEqual(viaScan.topPaths);
    const inRange = specs.filter((x) => x.agent === agentB && x.i * 10 >= 15 && x.i * 10 < 6 * 60 + 25);
    expect(viaScan.totals.all).toBe(inRange.length);
  });

  it("lists top denied callers and top paths", async () => {
    const s = await stats({ caller: "spiffe://prod/ns/" });
    const denied = specs.filter((x) => !x.allowed);
    const byCaller = new Map<string, number>();
    for (const d of denied) byCaller.set(d.caller, (byCaller.get(d.caller) ?? 0) + 1);
    expect(s.topDeniedCallers).toEqual(
      [...byCaller.entries()]
        .map(([caller, count]) => ({ caller, count }))
        .sort((a, b) => b.count - a.count || a.caller.localeCompare(b.caller)),
    );
    expect(s.topPaths.map((p) => p.path)).toEqual(["verdict/authz/allow", "httpapi/rbac/allow"]);
  });
});

describe("export", () => {
  async function text(format: "csv" | "ndjson", q: Record<string, unknown> = {}) {
    const { stream, fileName } = await exportDecisions({
      actor: auditor,
      query: ZExportDecisionsQuery.parse({ format, from: from(), agent: agentA, ...q }),
    });
    return { fileName, body: await new Response(stream).text() };
  }

  it("streams CSV and NDJSON of the filter and records each export in the audit trail", async () => {
    const before = await db.auditEvent.count({ where: { action: "decisions.export" } });
    const csv = await text("csv", { outcome: "denied" });
    const lines = csv.body.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "timestamp,decision_id,path,outcome,caller,agent,revisions,unpublished,received_at,input,result",
    );
    expect(lines.slice(1).map((l) => l.split(",")[1])).toEqual(expectIds((s) => s.agent === agentA && !s.allowed));
    expect(csv.fileName).toMatch(/^decisions_.*\.csv$/);
    const nd = await text("ndjson");
    const rows = nd.body
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.filter((r) => r.decisionId.startsWith(run)).length).toBe(expectIds((s) => s.agent === agentA).length);
    expect(rows.find((r) => r.decisionId === `${run}-001`)).toMatchObject({
      outcome: "allowed",
      input: { method: "GET", amount: 10 },
      result: { allow: true },
    });
    const events = await db.auditEvent.findMany({ where: { action: "decisions.export" }, orderBy: { seq: "asc" } });
    expect(events.length - before).toBe(2);
    expect(events.at(-2)?.after).toMatchObject({ format: "csv", filter: { outcome: "denied", agent: agentA } });
    expect(events.at(-2)?.actorId).toBe(auditor.userId);
  });

  it("is refused to a viewer", async () => {
    const error = await exportDecisions({ actor: viewer, query: ZExportDecisionsQuery.parse({ format: "csv" }) }).catch(
      (e: unknown) => e,
    );
    expect((error as AppError).status).toBe(403);
  });
});

describe("decision detail", () => {
  it("returns the full decision with its provenance flagged as unpublished", async () => {
    const d = await getDecisionOrThrow({ actor: auditor, decisionId: `${run}-004` });
    expect(d).toMatchObject({
      decisionId: `${run}-004`,
      outcome: "denied",
      input: { method: "GET" },
      result: { allow: false },
      unpublished: true,
      sameIdCount: 0,
    });
    expect(d.provenance).toEqual({
      bundles: [{ bundle: "main", revision: `r1-${run}`, published: null }],
      verified: false,
    });
    const at = await getDecisionOrThrow({ actor: auditor, decisionId: `${run}-004`, at: d.timestamp });
    expect(at.timestamp).toBe(d.timestamp);
    expect(
      ((await getDecisionOrThrow({ actor: auditor, decisionId: "nope" }).catch((e: unknown) => e)) as AppError).status,
    ).toBe(404);
  });
});
