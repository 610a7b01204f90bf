// npm run bench -- decision-queries — p95 latency of the decisions page's filters, over HTTP,
// over 10 million generated rows, each against the plainest SQL over the same rows.
import { percentile, type Bench, type BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";
import { bulkFixtureDecisions, rebuildDecisionRollups } from "./decision-fixtures";

const DAYS = Number(process.env.BENCH_DECISION_DAYS ?? 10);
const PER_DAY = Number(process.env.BENCH_DECISIONS_PER_DAY ?? 1_000_000);
const ROUNDS = 20;
const log = (line: string) => console.error(`[decision-queries] ${line}`);

export default {
  name: "decision-queries",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("decision-queries");
    try {
      env.applyToThisProcess();
      return await queries(await env.startApp());
    } finally {
      await env.stop();
    }
  },
} satisfies Bench;

type App = { url: string };

type Case = { name: string; query: Record<string, string>; path?: string };

async function queries(app: App): Promise<BenchRow[]> {
  const { pool: pgPool } = await import("@/lib/core/db");
  const { createApiToken } = await import("@/lib/users/create-api-token");
  const { createTestUser } = await import("@/test/factories/actors");
  const started = Date.now();
  const span = await bulkFixtureDecisions(pgPool(), { days: DAYS, perDay: PER_DAY, log });
  await rebuildDecisionRollups(pgPool());
  await pgPool().query("VACUUM ANALYZE decisions");
  log(
    `${span.count.toLocaleString("en-US")} fixture decisions ready in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  const auditor = await createTestUser(["auditor"]);
  const { secret } = await createApiToken({
    actor: auditor,
    input: { name: "bench", roles: ["auditor"], expiresInDays: 1 },
  });
  const end = span.to.getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const day = (n: number) => ({ from: iso(end - n * 86_400_000), to: iso(end) });
  const sample = (
    await pgPool().query(
      `SELECT decision_id, revisions[1] AS revision FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 LIMIT 1`,
      [iso(end - Math.max(1, DAYS - 2) * 86_400_000), iso(end - Math.max(1, DAYS - 2) * 86_400_000 + 3_600_000)],
    )
  ).rows[0];
  const cases: Case[] = [
    { name: "time range only (24 h)", query: day(1) },
    { name: "denied (7 d)", query: { ...day(7), outcome: "denied" } },
    { name: "decision path (7 d)", query: { ...day(7), path: "payments/authz/allow" } },
    { name: "caller prefix, broad (7 d)", query: { ...day(7), caller: "spiffe://prod.example.com/ns/billing/" } },
    {
      name: "caller prefix, one caller (7 d)",
      query: { ...day(7), caller: "spiffe://prod.example.com/ns/billing/sa/billing-1994" },
    },
    { name: "agent (7 d)", query: { ...day(7), agent: "orders-sidecar-7" } },
    { name: "revision from a week ago (10 d)", query: { ...day(10), revision: sample.revision } },
    { name: 'JSON match input.method = "DELETE" (7 d)', query: { ...day(7), match: 'input.method = "DELETE"' } },
    { name: "decision id (10 d)", query: { ...day(10), decisionId: sample.decision_id } },
    {
      name: "denied, outcome + agent + JSON match (7 d)",
      query: { ...day(7), outcome: "denied", agent: "billing-sidecar-3", match: 'input.method != "GET"' },
    },
    { name: "stats: totals, chart, top callers/paths (24 h)", query: day(1), path: "/api/v1/decisions/stats" },
    { name: "stats: totals, chart, top callers/paths (7 d)", query: day(7), path: "/api/v1/decisions/stats" },
  ];
  const get = async (path: string, query: Record<string, string>) => {
    const t = performance.now();
    const res = await fetch(`${app.url}${path}?${new URLSearchParams(query)}`, {
      headers: { authorization: `Bearer ${secret}` },
    });
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
      base.push(
        c.path
          ? await raw(
              `SELECT date_trunc('hour', "timestamp"), allowed, count(*) FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 GROUP BY 1, 2`,
              [c.query.from, c.query.to],
            )
          : await raw(
              `SELECT "timestamp", decision_id, path, allowed, caller, agent FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 ORDER BY "timestamp" DESC, decision_id DESC LIMIT 51`,
              [c.query.from, c.query.to],
            ),
      );
    }
    times.sort((a, b) => a - b);
    base.sort((a, b) => a - b);
    if (!c.path) all.push(...times);
    rows.push({
      figure: `p95 ${c.name}`,
      verdict: percentile(times, 95),
      baseline: percentile(base, 95),
      unit: "ms",
      better: "lower",
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
  const offset = await raw(
    `SELECT "timestamp", decision_id FROM decisions WHERE "timestamp" >= $1 AND "timestamp" < $2 AND allowed = false ORDER BY "timestamp" DESC, decision_id DESC OFFSET 950 LIMIT 51`,
    [day(7).from, day(7).to],
  );
  rows.push({
    figure: "page 20 of denied (keyset, 7 d)",
    verdict: pages[19]!,
    baseline: offset,
    unit: "ms",
    better: "lower",
    baselineName: "raw SQL with OFFSET 950",
    note: `first page ${pages[0]!.toFixed(0)} ms`,
  });
  all.sort((a, b) => a - b);
  rows.push({
    figure: "p95 all decisions-page filters above",
    verdict: percentile(all, 95),
    baseline: null,
    unit: "ms",
    better: "lower",
    baselineName: null,
    note: "target < 300 ms over 10M rows",
  });
  return rows;
}
