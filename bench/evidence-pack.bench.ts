// npm run bench -- evidence-pack — exporting an evidence pack of 1,000,000 decisions (in process,
// the same stream the route sends), in decisions/s, with the process's RSS sampled during the
// export, against a raw `COPY (SELECT …) TO STDOUT` of the same rows into /dev/null and into gzip
// at the pack's level, in the same run.
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { to as copyTo } from "pg-copy-streams";
import type { Bench, BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";
import { bulkFixtureDecisions } from "./decision-fixtures";

const DECISIONS = Number(process.env.BENCH_PACK_DECISIONS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_PACK_DAYS ?? 2);
const ROUNDS = Number(process.env.BENCH_PACK_ROUNDS ?? 2);
const TARGET = 50_000;
const MiB = 1024 * 1024;
const log = (line: string) => console.error(`[evidence-pack] ${line}`);

export default {
  name: "evidence-pack",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("evidence-pack");
    try {
      env.applyToThisProcess();
      return await evidencePack();
    } finally {
      const { closeDb } = await import("@/lib/core/db");
      await closeDb();
      await env.stop();
    }
  },
} satisfies Bench;

/** Counts bytes and drops them, as /dev/null would (without a file descriptor in the way). */
function devNull(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink.bytes += chunk.length;
      done();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

async function evidencePack(): Promise<BenchRow[]> {
  const { pool } = await import("@/lib/core/db");
  const { createTestUser } = await import("@/test/factories/actors");
  const { exportEvidencePack } = await import("@/lib/evidence/export-evidence-pack");
  const { ZEvidencePackQuery } = await import("@/lib/evidence/schemas");
  const { PACK_GZIP_LEVEL } = await import("@/lib/evidence/pack-writer");
  const started = Date.now();
  const span = await bulkFixtureDecisions(pool(), { days: DAYS, perDay: Math.ceil(DECISIONS / DAYS), log });
  await pool().query("VACUUM ANALYZE decisions");
  log(`${span.count.toLocaleString("en-US")} decisions ready in ${Math.round((Date.now() - started) / 1000)} s`);
  const auditor = await createTestUser(["auditor"]);
  const query = ZEvidencePackQuery.parse({ from: span.from.toISOString(), to: span.to.toISOString() });

  const rawSql = `COPY (SELECT d.* FROM decisions d WHERE d."timestamp" >= '${span.from.toISOString()}' AND d."timestamp" < '${span.to.toISOString()}'
                   ORDER BY d."timestamp" DESC, d.decision_id DESC) TO STDOUT`;
  const rawCopy = async (gzip: boolean) => {
    const client = await pool().connect();
    try {
      const sink = devNull();
      const t = performance.now();
      const source = client.query(copyTo(rawSql));
      if (gzip) await pipeline(source, createGzip({ level: PACK_GZIP_LEVEL }), sink);
      else await pipeline(source, sink);
      return { seconds: (performance.now() - t) / 1000, bytes: sink.bytes };
    } finally {
      client.release();
    }
  };

  const exportPack = async () => {
    global.gc?.();
    const before = process.memoryUsage.rss();
    const samples: number[] = [];
    const timer = setInterval(() => samples.push(process.memoryUsage.rss()), 50);
    const sink = devNull();
    const t = performance.now();
    const { stream } = await exportEvidencePack({ actor: auditor, query });
    await pipeline(Readable.fromWeb(stream as never), sink);
    const seconds = (performance.now() - t) / 1000;
    clearInterval(timer);
    const half = Math.floor(samples.length / 2);
    return {
      seconds,
      bytes: sink.bytes,
      before,
      peak: Math.max(before, ...samples),
      firstHalfPeak: Math.max(before, ...samples.slice(0, half)),
      secondHalfPeak: Math.max(before, ...samples.slice(half)),
    };
  };

  // Warm the cache once, then alternate; the best round of each counts (the machine is shared).
  await rawCopy(false);
  const runs: { pack: Awaited<ReturnType<typeof exportPack>>[]; raw: number[]; rawGzip: number[] } = {
    pack: [],
    raw: [],
    rawGzip: [],
  };
  let rawBytes = 0;
  let rawGzipBytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const raw = await rawCopy(false);
    runs.raw.push(raw.seconds);
    rawBytes = raw.bytes;
    const rawGzip = await rawCopy(true);
    runs.rawGzip.push(rawGzip.seconds);
    rawGzipBytes = rawGzip.bytes;
    const pack = await exportPack();
    runs.pack.push(pack);
    log(
      `round ${i + 1}: pack ${pack.seconds.toFixed(1)} s (${Math.round(pack.bytes / MiB)} MiB, RSS ${Math.round(pack.before / MiB)} → peak ${Math.round(pack.peak / MiB)} MiB), ` +
        `raw COPY ${raw.seconds.toFixed(1)} s, raw COPY + gzip ${rawGzip.seconds.toFixed(1)} s`,
    );
  }
  const best = runs.pack.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const perSecond = span.count / best.seconds;
  const rawPerSecond = span.count / Math.min(...runs.raw);
  const rawGzipPerSecond = span.count / Math.min(...runs.rawGzip);
  const verdict = perSecond >= TARGET ? "PASS" : "FAIL";
  console.log(
    `[evidence-pack] ${verdict}: ${Math.round(perSecond).toLocaleString("en-US")} decisions/s (target ≥ ${TARGET.toLocaleString("en-US")}/s)`,
  );
  const millions = `${(span.count / 1e6).toFixed(span.count < 1e6 ? 2 : 0)}M decisions`;
  return [
    {
      figure: `evidence pack export, ${millions}`,
      verdict: perSecond,
      baseline: rawPerSecond,
      unit: "decisions/s",
      better: "higher",
      baselineName: "raw COPY TO STDOUT → /dev/null",
      note: `${verdict} (target ≥ ${TARGET.toLocaleString("en-US")}/s); best of ${ROUNDS}; pack ${Math.round(best.bytes / MiB)} MiB, raw COPY ${Math.round(rawBytes / MiB)} MiB`,
    },
    {
      figure: "… against raw COPY through gzip",
      verdict: perSecond,
      baseline: rawGzipPerSecond,
      unit: "decisions/s",
      better: "higher",
      baselineName: `raw COPY → gzip level ${PACK_GZIP_LEVEL} → /dev/null`,
      note: `${Math.round(rawGzipBytes / MiB)} MiB compressed`,
    },
    {
      figure: "… peak RSS of the exporting process",
      verdict: best.peak / MiB,
      baseline: best.before / MiB,
      unit: "MiB",
      better: "lower",
      baselineName: "RSS before the export",
      note: `sampled every 50 ms; growth ${((best.peak - best.before) / MiB).toFixed(0)} MiB`,
    },
    {
      figure: "… peak RSS, second half of the export",
      verdict: best.secondHalfPeak / MiB,
      baseline: best.firstHalfPeak / MiB,
      unit: "MiB",
      better: "lower",
      baselineName: "first half",
      note: "flat memory: about 1× whatever the number of decisions",
    },
  ];
}
