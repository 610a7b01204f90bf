// npm run bench -- decision-ingestion — sustained decision-log ingestion through the real HTTP
// endpoint (gzip batches shaped like OPA's uploads, several agents at once) against a raw COPY of
// the same rows into the same table, in the same run: once with one server process, once with
// VERDICT_WORKERS=2 (BENCH_APP_WORKERS lists the counts, e.g. "1,2").
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { from as copyFrom } from "pg-copy-streams";
import type { Bench, BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";
import { treeCpuSeconds } from "./process-cpu";
import type { AppInstance } from "@/test/support/app-process";
import { makeEvents, PER_BATCH, UPLOAD_LIMIT_BYTES } from "./decision-events";

const INGEST = Number(process.env.BENCH_INGEST_DECISIONS ?? 200_000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 8);
const log = (line: string) => console.error(`[decision-ingestion] ${line}`);

export default {
  name: "decision-ingestion",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("decision-ingestion");
    try {
      env.applyToThisProcess();
      return await ingestion((workers) => env.startApp(appEnv(workers)), env.postgresPid());
    } finally {
      await env.stop();
    }
  },
} satisfies Bench;

const WORKER_COUNTS = (process.env.BENCH_APP_WORKERS ?? "1,2")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);

/** BENCH_APP_NODE_OPTIONS: e.g. a profiler preload for the app. */
function appEnv(workers: number): Record<string, string> {
  return {
    VERDICT_WORKERS: String(workers),
    ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
  };
}

async function pool<T>(items: T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function ingestion(
  startApp: (workers: number) => Promise<AppInstance>,
  postgresPid: number,
): Promise<BenchRow[]> {
  const { pool: pgPool } = await import("@/lib/core/db");
  const { createTestUser } = await import("@/test/factories/actors");
  const { createAgentCredential } = await import("@/lib/agents/create-agent-credential");
  const { buildDecisionRows } = await import("@/lib/decisions/build-decision-rows");
  const { DECISION_COPY_COLUMN_LIST } = await import("@/lib/decisions/copy-format");
  const { ensureDecisionPartitions } = await import("@/lib/decisions/decision-partitions");
  const admin = await createTestUser(["admin"]);
  const { secret } = await createAgentCredential({
    actor: admin,
    input: {
      name: "bench",
      kind: "bearer",
      bundles: [],
      mayReportStatus: true,
      mayUploadLogs: true,
      expiresInDays: null,
    },
  });

  // The same rows for COPY (ids suffixed, so that every run's rows land) and for each endpoint run.
  const today = new Date().toISOString().slice(0, 10);
  await ensureDecisionPartitions(pgPool(), [today, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]);
  const copyEvents = makeEvents(INGEST);
  const built = buildDecisionRows(
    { events: copyEvents.map((e) => ({ ...e, decision_id: `${e.decision_id}-copy` })) },
    {
      agent: { credentialId: null, identify: (labels) => labels.instance ?? labels.id! },
      now: Date.now(),
      oldestDay: "2000-01-01",
      maxFutureMs: 86_400_000,
      maxEventBytes: 1024 * 1024,
      isPublished: () => false,
    },
  );
  const copyText = built.rows.map((row) => row.copyLine);
  const halves = [copyText.slice(0, copyText.length / 2), copyText.slice(copyText.length / 2)];
  const pgCpu = treeCpuSeconds([postgresPid]);
  const started = performance.now();
  await Promise.all(
    halves.map(async (part) => {
      const client = await pgPool().connect();
      try {
        await pipeline(
          Readable.from(part),
          client.query(copyFrom(`COPY decisions (${DECISION_COPY_COLUMN_LIST}) FROM STDIN`)),
        );
      } finally {
        client.release();
      }
    }),
  );
  const copyRate = INGEST / ((performance.now() - started) / 1000);
  const copyCpu = ((treeCpuSeconds([postgresPid]) - pgCpu) / INGEST) * 1e6;
  log(`raw COPY: ${Math.round(copyRate)} rows/s`);

  const rows: BenchRow[] = [];
  for (const workers of WORKER_COUNTS) {
    const app = await startApp(workers);
    try {
      const measured = await throughEndpoint(app, secret, postgresPid);
      const label = workers === 1 ? "one server process" : `VERDICT_WORKERS=${workers}`;
      rows.push(
        {
          figure: `ingestion, ${INGEST.toLocaleString("en-US")} decisions (gzip batches of ${PER_BATCH}, ${AGENTS} agents), ${label}`,
          verdict: measured.rate,
          baseline: copyRate,
          unit: "decisions/s",
          baselineName: "raw COPY, same rows, same table",
          better: "higher",
          note: "target ≥ 0.5× COPY and ≥ 10,000/s",
        },
        {
          figure: `ingestion CPU per decision (app + PostgreSQL), ${label}`,
          verdict: measured.appCpu + measured.pgCpu,
          baseline: copyCpu,
          unit: "µs",
          baselineName: "PostgreSQL CPU per row of the raw COPY",
          better: "lower",
          note: `app ${measured.appCpu.toFixed(0)} µs + PostgreSQL ${measured.pgCpu.toFixed(0)} µs; independent of other load on the machine`,
        },
      );
    } finally {
      await app.stop();
    }
  }
  return rows;
}

/** INGEST fresh decisions uploaded by AGENTS agents at once; checks every one was stored. */
async function throughEndpoint(
  app: AppInstance,
  secret: string,
  postgresPid: number,
): Promise<{ rate: number; appCpu: number; pgCpu: number }> {
  const { pool: pgPool } = await import("@/lib/core/db");
  const events = makeEvents(INGEST);
  const batches: Buffer[] = [];
  for (let i = 0; i < events.length; i += PER_BATCH)
    batches.push(gzipSync(JSON.stringify(events.slice(i, i + PER_BATCH))));
  const largest = Math.max(...batches.map((b) => b.length));
  if (largest > UPLOAD_LIMIT_BYTES) throw new Error(`a batch is ${largest} bytes of gzip: more than OPA would send`);
  log(
    `${batches.length} batches, ${Math.round(batches.reduce((n, b) => n + b.length, 0) / batches.length / 1024)} KiB compressed each on average`,
  );
  // Warm up only now, retrying on a dead connection: preparing the batches blocks this process for
  // seconds, longer than the server keeps an idle connection open, so the client's pooled
  // connection (the health check's) may have been closed meanwhile without it noticing.
  const upload = (body: Buffer) =>
    fetch(`${app.url}/api/opa/logs`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-encoding": "gzip", "content-type": "application/json" },
      body: new Uint8Array(body),
    });
  const warm = () =>
    upload(gzipSync("[]")).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status === 200;
      },
      () => false,
    );
  for (let i = 0; i < 200 && !(await warm()); i++) await new Promise((r) => setTimeout(r, 100));
  const pgCpu = treeCpuSeconds([postgresPid]);
  const appCpu = treeCpuSeconds([app.pid]);
  const started = performance.now();
  await pool(batches, AGENTS, async (body) => {
    const res = await upload(body);
    if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  });
  const rate = INGEST / ((performance.now() - started) / 1000);
  const result = {
    rate,
    pgCpu: ((treeCpuSeconds([postgresPid]) - pgCpu) / INGEST) * 1e6,
    appCpu: ((treeCpuSeconds([app.pid]) - appCpu) / INGEST) * 1e6,
  };
  const ids = events.map((e) => e.decision_id as string);
  const { rows } = await pgPool().query("SELECT count(*)::int AS n FROM decisions WHERE decision_id = ANY($1)", [ids]);
  if (rows[0].n !== INGEST) throw new Error(`expected ${INGEST} stored decisions, found ${rows[0].n}`);
  log(`HTTP endpoint: ${Math.round(rate)} decisions/s (${AGENTS} agents uploading at once)`);
  return result;
}
