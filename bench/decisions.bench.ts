// npm run bench -- decisions — (1) sustained decision-log ingestion through the real HTTP endpoint
// (gzip batches shaped like OPA's uploads, several agents at once) against a raw COPY of the same
// rows into the same table; (2) p95 latency of the decisions page's filters over 10 million rows.
import { randomUUID } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { from as copyFrom } from "pg-copy-streams";
import { percentile, type Bench, type BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";
import { bulkFixtureDecisions, rebuildDecisionRollups } from "./decision-fixtures";

const INGEST = Number(process.env.BENCH_INGEST_DECISIONS ?? 200_000);
// OPA cuts uploads at upload_size_limit_bytes (32 KiB compressed by default): about 200 of these events.
const PER_BATCH = 200;
const AGENTS = Number(process.env.BENCH_AGENTS ?? 8);
const DAYS = Number(process.env.BENCH_DECISION_DAYS ?? 10);
const PER_DAY = Number(process.env.BENCH_DECISIONS_PER_DAY ?? 1_000_000);
const ROUNDS = 20;
const log = (line: string) => console.error(`[decisions] ${line}`);

/**
 * Decision events as OPA uploads them: Envoy ext_authz-style inputs for Verdict's authz policy.
 * Each upload comes from one agent (an OPA batch holds only its own decisions), 40 agents in all.
 */
function makeEvents(n: number): Array<Record<string, unknown>> {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const svc = ["payments", "orders", "billing", "inventory", "search"][i % 5]!;
    const caller = `spiffe://prod.example.com/ns/${svc}/sa/${svc}-${(i * 7919) % 2000}`;
    const method = i % 13 === 0 ? "DELETE" : i % 3 === 0 ? "POST" : "GET";
    const allow = i % 17 !== 0;
    return {
      labels: { id: "4f1b7c1e-opa-process", version: "1.22.2", instance: `sidecar-${Math.floor(i / PER_BATCH) % 40}` },
      decision_id: randomUUID(),
      path: "verdict/authz/allow",
      input: {
        caller, method, path: `/v1/${svc}/items/${i % 10_000}`,
        attributes: { source: { principal: caller, address: `10.0.${i % 250}.${i % 200}` }, request: { http: { method, host: `${svc}.internal`, id: randomUUID() } } },
      },
      result: { allow, reason: allow ? `allowlist entry ${i % 700}` : "no allowlist entry for this caller and endpoint" },
      bundles: { main: { revision: "r42" } },
      requested_by: `10.0.0.${i % 250}:${30_000 + (i % 20_000)}`,
      timestamp: new Date(now - (n - i)).toISOString().replace("Z", "123456Z"),
      req_id: i,
      metrics: { timer_rego_query_eval_ns: 40_000 + (i % 50_000), timer_server_handler_ns: 90_000 + (i % 70_000) },
    };
  });
}

async function pool<T>(items: T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** COPY text format: tab-separated, \N for NULL, backslash escapes. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "string" ? value : Array.isArray(value) && value.every((v) => typeof v === "string") ? `{${value.map((v) => JSON.stringify(v)).join(",")}}` : typeof value === "boolean" ? String(value) : JSON.stringify(value);
  return text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

const COPY_COLUMNS = ["timestamp", "decision_id", "path", "allowed", "caller", "agent", "credential_id", "revisions", "unpublished", "bundles", "input", "result", "labels", "metrics", "extra"];

export default {
  name: "decisions",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("decisions");
    try {
      env.useInProcess();
      const app = await env.startApp();
      return [...(await ingestion(app)), ...(await queries(app))];
    } finally {
      await env.stop();
    }
  },
} satisfies Bench;

type App = { url: string };

async function ingestion(app: App): Promise<BenchRow[]> {
  const { pool: pgPool } = await import("@/lib/db");
  const { createTestUser } = await import("@/test/factories/actors");
  const { createAgentCredential } = await import("@/lib/agents/manage-agent-credentials");
  const { buildDecisionRows } = await import("@/lib/decisions/build-decision-rows");
  const { ensureDecisionPartitions } = await import("@/lib/decisions/decision-partitions");
  const admin = await createTestUser(["admin"]);
  const { secret } = await createAgentCredential({ actor: admin, input: { name: "bench", kind: "bearer", bundles: [], mayReportStatus: true, mayUploadLogs: true, expiresInDays: null } });
  const upload = (body: Buffer) => fetch(`${app.url}/api/opa/logs`, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-encoding": "gzip", "content-type": "application/json" }, body: new Uint8Array(body) });
  for (let i = 0; i < 200 && (await upload(gzipSync("[]"))).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));

  // The same rows twice: once for COPY (ids suffixed, so both land), once through the endpoint.
  const events = makeEvents(INGEST);
  const today = new Date().toISOString().slice(0, 10);
  await ensureDecisionPartitions(pgPool(), [today, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]);
  const built = buildDecisionRows(events.map((e) => ({ ...e, decision_id: `${e.decision_id}-copy` })), {
    agent: { credentialId: null, identify: (labels) => labels.instance ?? labels.id! }, now: Date.now(), oldestDay: "2000-01-01",
    maxFutureMs: 86_400_000, maxEventBytes: 1024 * 1024, isPublished: () => false,
  });
  const copyText = built.rows.map((json) => {
    const row = JSON.parse(json) as Record<string, unknown>;
    return `${COPY_COLUMNS.map((c) => copyField(row[c])).join("\t")}\n`;
  });
  const halves = [copyText.slice(0, copyText.length / 2), copyText.slice(copyText.length / 2)];
  let started = performance.now();
  await Promise.all(halves.map(async (part) => {
    const client = await pgPool().connect();
    try {
      await pipeline(Readable.from(part), client.query(copyFrom(`COPY decisions (${COPY_COLUMNS.map((c) => `"${c}"`).join(", ")}) FROM STDIN`)));
    } finally {
      client.release();
    }
  }));
  const copyRate = INGEST / ((performance.now() - started) / 1000);
  log(`raw COPY: ${Math.round(copyRate)} rows/s`);

  const batches: Buffer[] = [];
  for (let i = 0; i < events.length; i += PER_BATCH) batches.push(gzipSync(JSON.stringify(events.slice(i, i + PER_BATCH))));
  log(`${batches.length} batches, ${Math.round(batches.reduce((n, b) => n + b.length, 0) / batches.length / 1024)} KiB compressed each on average`);
  started = performance.now();
  await pool(batches, AGENTS, async (body) => {
    const res = await upload(body);
    if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  });
  const httpRate = INGEST / ((performance.now() - started) / 1000);
  const { rows } = await pgPool().query("SELECT count(*)::int AS n FROM decisions WHERE agent LIKE 'sidecar-%' AND decision_id NOT LIKE '%-copy'");
  if (rows[0].n !== INGEST) throw new Error(`expected ${INGEST} stored decisions, found ${rows[0].n}`);
  log(`HTTP endpoint: ${Math.round(httpRate)} decisions/s (${AGENTS} agents uploading at once)`);
  return [{
    figure: `ingestion, ${INGEST.toLocaleString("en-US")} decisions (gzip batches of ${PER_BATCH}, ${AGENTS} agents)`, verdict: httpRate, baseline: copyRate,
    unit: "decisions/s", baselineName: "raw COPY, same rows, same table", better: "higher", note: "target ≥ 0.5× COPY and ≥ 10,000/s",
  }];
}

type Case = { name: string; query: Record<string, string>; path?: string };

async function queries(app: App): Promise<BenchRow[]> {
  const { pool: pgPool } = await import("@/lib/db");
  const { createApiToken } = await import("@/lib/auth/api-tokens");
  const { createTestUser } = await import("@/test/factories/actors");
  const started = Date.now();
  const span = await bulkFixtureDecisions(pgPool(), { days: DAYS, perDay: PER_DAY, log });
  await rebuildDecisionRollups(pgPool());
  await pgPool().query("VACUUM ANALYZE decisions");
  log(`${span.count.toLocaleString("en-US")} fixture decisions ready in ${Math.round((Date.now() - started) / 1000)} s`);
  const auditor = await createTestUser(["auditor"]);
  const { secret } = await createApiToken({ actor: auditor, input: { name: "bench", roles: ["auditor"], expiresInDays: 1 } });
  const end = span.to.getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const day = (n: number) => ({ from: iso(end - n * 86_400_000), to: iso(end) });
  const sample = (await pgPool().query(`SELECT decision_id, revisions[1] AS revision FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 LIMIT 1`, [iso(end - Math.max(1, DAYS - 2) * 86_400_000), iso(end - Math.max(1, DAYS - 2) * 86_400_000 + 3_600_000)])).rows[0];
  const cases: Case[] = [
    { name: "time range only (24 h)", query: day(1) },
    { name: "denied (7 d)", query: { ...day(7), outcome: "denied" } },
    { name: "decision path (7 d)", query: { ...day(7), path: "payments/authz/allow" } },
    { name: "caller prefix, broad (7 d)", query: { ...day(7), caller: "spiffe://prod.example.com/ns/billing/" } },
    { name: "caller prefix, one caller (7 d)", query: { ...day(7), caller: "spiffe://prod.example.com/ns/billing/sa/billing-1994" } },
    { name: "agent (7 d)", query: { ...day(7), agent: "orders-sidecar-7" } },
    { name: "revision from a week ago (10 d)", query: { ...day(10), revision: sample.revision } },
    { name: 'JSON match input.method = "DELETE" (7 d)', query: { ...day(7), match: 'input.method = "DELETE"' } },
    { name: "decision id (10 d)", query: { ...day(10), decisionId: sample.decision_id } },
    { name: "denied, outcome + agent + JSON match (7 d)", query: { ...day(7), outcome: "denied", agent: "billing-sidecar-3", match: 'input.method != "GET"' } },
    { name: "stats: totals, chart, top callers/paths (24 h)", query: day(1), path: "/api/v1/decisions/stats" },
    { name: "stats: totals, chart, top callers/paths (7 d)", query: day(7), path: "/api/v1/decisions/stats" },
  ];
  const get = async (path: string, query: Record<string, string>) => {
    const t = performance.now();
    const res = await fetch(`${app.url}${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${secret}` } });
    const body = (await res.json()) as { nextCursor?: string | null };
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
    return { ms: performance.now() - t, body };
  };
  const raw = async (sql: string, params: unknown[]) => {
    const t = performance.now();
    await pgPool().query(sql, params);
    return performance.now() - t;
  };
  const rows: BenchRow[] = [];
  const all: number[] = [];
  for (const c of cases) {
    const path = c.path ?? "/api/v1/decisions";
    await get(path, c.query);
    const times: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      times.push((await get(path, c.query)).ms);
      base.push(c.path
        ? await raw(`SELECT date_trunc('hour', "timestamp"), allowed, count(*) FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 GROUP BY 1, 2`, [c.query.from, c.query.to])
        : await raw(`SELECT "timestamp", decision_id, path, allowed, caller, agent FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 ORDER BY "timestamp" DESC, decision_id DESC LIMIT 51`, [c.query.from, c.query.to]));
    }
    times.sort((a, b) => a - b);
    base.sort((a, b) => a - b);
    if (!c.path) all.push(...times);
    rows.push({
      figure: `p95 ${c.name}`, verdict: percentile(times, 95), baseline: percentile(base, 95), unit: "ms", better: "lower",
      baselineName: c.path ? "raw GROUP BY over the rows (no rollups)" : "raw SQL: newest 50 of the range, no filter",
      note: `${ROUNDS} requests over HTTP, ${(span.count / 1e6).toFixed(0)}M rows; p50 ${percentile(times, 50).toFixed(0)} ms`,
    });
  }
  // Deep keyset pagination: the 20th page costs what the first does.
  let cursor: string | undefined;
  const pages: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await get("/api/v1/decisions", { ...day(7), outcome: "denied", ...(cursor ? { cursor } : {}) });
    pages.push(r.ms);
    cursor = r.body.nextCursor ?? undefined;
  }
  const offset = await raw(`SELECT "timestamp", decision_id FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 AND allowed = false ORDER BY "timestamp" DESC, decision_id DESC OFFSET 950 LIMIT 51`, [day(7).from, day(7).to]);
  rows.push({ figure: "page 20 of denied (keyset, 7 d)", verdict: pages[19]!, baseline: offset, unit: "ms", better: "lower", baselineName: "raw SQL with OFFSET 950", note: `first page ${pages[0]!.toFixed(0)} ms` });
  all.sort((a, b) => a - b);
  rows.push({ figure: "p95 all decisions-page filters above", verdict: percentile(all, 95), baseline: null, unit: "ms", better: "lower", baselineName: null, note: "target < 300 ms over 10M rows" });
  return rows;
}
