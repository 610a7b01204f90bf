// The realistic fleet profile: N agents as `opa run` with Verdict's generated config (long poll
// 30 s, status on every activation and poll and after every upload, decision logs every 10 s at
// 1 decision/s), played by load-generator processes (fleet-generator.ts), and a publish every
// 60 s. A step holds when, for every publish, 99% of agents have the new revision within 5 s
// of its commit and all within 30 s; status and log requests have p99 < 250 ms; nothing answers
// 5xx; and every decision made is stored once the load stops.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { AppInstance } from "@/test/support/app-process";
import { percentile } from "./harness";
import { treeCpuSeconds, treePids, treeRssKiB } from "./process-cpu";
import { countStored, type StepContext } from "./fleet-step";
import { emptyGeneratorReport, type GeneratorConfig, type GeneratorReport } from "./fleet-generator-protocol";
import type { FleetWorld, PublishedRevision } from "./fleet-world";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/** Everything a full run uses, each overridable (a smoke run: see docs/operations.md). */
export const REALISTIC = {
  steps: (process.env.BENCH_FLEET_STEPS ?? "1000,2500,5000,7500,10000,12500,15000")
    .split(",")
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b),
  /** Load time per step, after the warm-up; publishes happen in it. */
  seconds: num("BENCH_FLEET_SECONDS", 150),
  warmupSeconds: num("BENCH_FLEET_WARMUP_SECONDS", 35),
  publishEverySeconds: num("BENCH_FLEET_PUBLISH_SECONDS", 60),
  longPollSeconds: num("BENCH_FLEET_LONG_POLL_SECONDS", 30),
  uploadEverySeconds: num("BENCH_FLEET_UPLOAD_SECONDS", 10),
  decisionsPerSecond: num("BENCH_FLEET_DECISIONS_PER_SECOND", 1),
  agentsPerGenerator: num("BENCH_FLEET_AGENTS_PER_GENERATOR", 5000),
  idleAgents: num("BENCH_FLEET_IDLE_AGENTS", 5000),
  graceSeconds: num("BENCH_FLEET_GRACE_SECONDS", 30),
  /** BENCH_FLEET_PIN=1: load generators on CPU 0, app instances and PostgreSQL on CPU 1. */
  pin: process.env.BENCH_FLEET_PIN === "1",
  within99Ms: 5000,
  withinAllMs: 30_000,
  requestP99Ms: 250,
};

export type RealisticStep = {
  agents: number;
  instances: number;
  held: boolean;
  why: string[];
  publishes: number;
  /** Per publish: ms from commit to the 99th-percentile agent and to the last one (Infinity: some never got it). */
  p99ActiveMs: number[];
  lastActiveMs: number[];
  statusP99Ms: number;
  logP99Ms: number;
  statusRequests: number;
  logRequests: number;
  serverErrors: number;
  networkErrors: number;
  decisionsGenerated: number;
  decisionsStored: number;
  appCpuPerAgentMinute: number;
  pgCpuPerAgentMinute: number;
  generatorCpuPerAgentMinute: number;
  /** The load generators' CPU over the load, in cores (1 = one core busy throughout). */
  generatorCores: number;
  appCores: number;
  pgCores: number;
  appRssKiB: number;
  /** Where log uploads spent their time: p99 per Server-Timing phase, and how many slow ones followed a publish. */
  uploadBreakdown: string;
  /** What PostgreSQL's backends were doing, sampled every 100 ms over the load (share of samples). */
  postgresWaits: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const abs = (performanceNow: number) => performance.timeOrigin + performanceNow;
const log = (line: string) => console.error(`[fleet] ${line}`);

/** Pins the app instances and PostgreSQL (every process of theirs, and what they start later) to CPU 1. */
export function pinServers(apps: AppInstance[], postgresPid: number): void {
  if (!REALISTIC.pin) return;
  for (const pid of treePids([...apps.map((a) => a.pid), postgresPid])) {
    spawnSync("taskset", ["-a", "-pc", "1", String(pid)], { stdio: "ignore" });
  }
}

type Generators = {
  pids: number[];
  ready: (timeoutMs: number) => Promise<boolean>;
  drained: (timeoutMs: number) => Promise<boolean>;
  report: () => Promise<GeneratorReport>;
  /** How many agents have this revision. */
  has: (revision: string) => Promise<number>;
  stop: () => Promise<void>;
};

function startGenerators(
  apps: AppInstance[],
  world: FleetWorld,
  n: number,
  tag: string,
  mode: GeneratorConfig["mode"],
): Generators {
  const script = path.join(process.cwd(), "bench", "fleet-generator.ts");
  const count = Math.max(1, Math.ceil(n / REALISTIC.agentsPerGenerator));
  const children: ChildProcess[] = [];
  const inbox = new Map<ChildProcess, Array<{ type: string }>>();
  for (let g = 0; g < count; g++) {
    const first = Math.floor((g * n) / count);
    const last = Math.floor(((g + 1) * n) / count);
    const argv = [...process.execArgv, script];
    const child = REALISTIC.pin
      ? spawn("taskset", ["-c", "0", process.execPath, ...argv], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
      : spawn(process.execPath, argv, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    inbox.set(child, []);
    child.on("message", (m: { type: string }) => inbox.get(child)!.push(m));
    const config: GeneratorConfig = {
      baseUrls: apps.map((a) => a.url),
      bundle: world.bundle,
      token: world.token,
      tag,
      first,
      count: last - first,
      longPollSeconds: REALISTIC.longPollSeconds,
      uploadEverySeconds: REALISTIC.uploadEverySeconds,
      decisionsPerSecond: REALISTIC.decisionsPerSecond,
      rampMs: Math.min(20_000, n * 2),
      mode,
    };
    child.send({ type: "start", ...config });
    children.push(child);
  }
  const all = async (type: string, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (children.every((c) => inbox.get(c)!.some((m) => m.type === type))) return true;
      await sleep(100);
    }
    return false;
  };
  return {
    pids: children.map((c) => c.pid!),
    ready: (timeoutMs) => all("ready", timeoutMs),
    drained: (timeoutMs) => {
      for (const c of children) c.send({ type: "stopDecisions" });
      return all("drained", timeoutMs);
    },
    has: async (revision) => {
      for (const c of children) {
        const box = inbox.get(c)!;
        inbox.set(
          c,
          box.filter((m) => m.type !== "has"),
        );
        c.send({ type: "has", revision });
      }
      await all("has", 10_000);
      return children.reduce(
        (sum, c) => sum + ((inbox.get(c)!.find((m) => m.type === "has") as unknown as { count: number })?.count ?? 0),
        0,
      );
    },
    report: async () => {
      for (const c of children) c.send({ type: "report" });
      await all("report", 60_000);
      const parts = children.map((c) => inbox.get(c)!.find((m) => m.type === "report") as unknown as GeneratorReport);
      const merged = emptyGeneratorReport();
      for (const p of parts) {
        if (!p) throw new Error("a load generator did not report");
        // Loops, not push(...xs): a step at 10,000 agents gathers more samples than a call takes arguments.
        for (const [revision, times] of Object.entries(p.receipts))
          appendAll((merged.receipts[revision] ??= []), times);
        appendAll(merged.statusMs, p.statusMs);
        appendAll(merged.uploadMs, p.uploadMs);
        appendAll(merged.uploads, p.uploads);
        merged.eventLoopDelayP99Ms = Math.max(merged.eventLoopDelayP99Ms, p.eventLoopDelayP99Ms);
        merged.requests += p.requests;
        merged.serverErrors += p.serverErrors;
        merged.networkErrors += p.networkErrors;
        merged.otherErrors += p.otherErrors;
        merged.decisionsGenerated += p.decisionsGenerated;
        merged.decisionsAcknowledged += p.decisionsAcknowledged;
      }
      return merged;
    },
    stop: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once("exit", () => resolve());
              c.send({ type: "stop" });
              setTimeout(() => c.kill("SIGKILL"), 5000).unref();
            }),
        ),
      );
    },
  };
}

/** One step: N agents for warm-up + load, publishing every minute, then the verdict. */
export async function runRealisticStep(options: StepContext): Promise<RealisticStep> {
  const { n, apps, world, publisher } = options;
  const why: string[] = [];
  const generators = startGenerators(apps, world, n, options.tag, "full");
  try {
    if (!(await generators.ready(60_000 + n * 10))) why.push("not every agent got its first bundle");
    pinServers(apps, options.postgresPid);
    await sleep(REALISTIC.warmupSeconds * 1000);

    const cpu = () => ({
      app: treeCpuSeconds(apps.map((a) => a.pid)),
      pg: treeCpuSeconds([options.postgresPid]),
      gen: treeCpuSeconds(generators.pids),
    });
    const before = cpu();
    const waits = samplePostgresWaits();
    const loadStart = performance.now();
    const published: PublishedRevision[] = [];
    const every = REALISTIC.publishEverySeconds * 1000;
    for (
      let next = loadStart + Math.min(every / 2, 10_000);
      next < loadStart + REALISTIC.seconds * 1000;
      next += every
    ) {
      await sleep(Math.max(0, next - performance.now()));
      published.push(await publisher.publish());
    }
    await sleep(Math.max(0, loadStart + REALISTIC.seconds * 1000 - performance.now()));
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const after = cpu();
    const postgresWaits = await waits.stop();
    const appRssKiB = treeRssKiB(apps.map((a) => a.pid));

    // The last publish gets up to its full 30 s; then every decision made must be stored.
    const last = published.at(-1);
    if (last) {
      const until = abs(publisher.committedAt(last)) + REALISTIC.withinAllMs;
      while (abs(performance.now()) < until && (await generators.has(last.revision)) < n) await sleep(250);
    }
    if (!(await generators.drained(REALISTIC.graceSeconds * 1000)))
      why.push(`backlog: decisions not acknowledged ${REALISTIC.graceSeconds} s after the load stopped`);
    const r = await generators.report();
    const decisionsStored = await countStored(`${options.tag}-%`);

    const p99ActiveMs: number[] = [];
    const lastActiveMs: number[] = [];
    // With a publish a minute, an agent that skips a revision has already missed it by 30 s.
    for (const p of published) {
      const committed = abs(publisher.committedAt(p));
      const sorted = (r.receipts[p.revision] ?? []).map((t) => Math.max(0, t - committed)).sort((a, b) => a - b);
      const need = Math.ceil(n * 0.99);
      p99ActiveMs.push(sorted.length < need ? Infinity : sorted[need - 1]!);
      lastActiveMs.push(sorted.length < n ? Infinity : sorted[sorted.length - 1]!);
    }
    published.forEach((p, i) => {
      if (!(p99ActiveMs[i]! <= REALISTIC.within99Ms))
        why.push(`${p.revision}: 99% of agents after ${fmtMs(p99ActiveMs[i]!)} (limit 5 s)`);
      if (!(lastActiveMs[i]! <= REALISTIC.withinAllMs))
        why.push(`${p.revision}: the last agent after ${fmtMs(lastActiveMs[i]!)} (limit 30 s)`);
    });
    if (published.length === 0) why.push("no publish fitted in the step (raise BENCH_FLEET_SECONDS)");
    const statusP99Ms = percentile(
      [...r.statusMs].sort((a, b) => a - b),
      99,
    );
    const logP99Ms = percentile(
      [...r.uploadMs].sort((a, b) => a - b),
      99,
    );
    if (!(statusP99Ms < REALISTIC.requestP99Ms)) why.push(`status p99 ${fmtMs(statusP99Ms)}`);
    if (!(logP99Ms < REALISTIC.requestP99Ms)) why.push(`log upload p99 ${fmtMs(logP99Ms)}`);
    if (r.serverErrors > 0) why.push(`${r.serverErrors} 5xx`);
    if (r.networkErrors > 0) why.push(`${r.networkErrors} network errors`);
    if (decisionsStored !== r.decisionsGenerated)
      why.push(`stored ${decisionsStored} of ${r.decisionsGenerated} decisions`);
    const uploadBreakdown = breakDownUploads(
      r,
      published.map((p) => abs(publisher.committedAt(p))),
    );
    const perAgentMinute = (seconds: number) => seconds / n / (loadSeconds / 60);
    return {
      agents: n,
      instances: apps.length,
      held: why.length === 0,
      why,
      publishes: published.length,
      p99ActiveMs,
      lastActiveMs,
      statusP99Ms,
      logP99Ms,
      statusRequests: r.statusMs.length,
      logRequests: r.uploadMs.length,
      serverErrors: r.serverErrors,
      networkErrors: r.networkErrors,
      decisionsGenerated: r.decisionsGenerated,
      decisionsStored,
      appCpuPerAgentMinute: perAgentMinute(after.app - before.app),
      pgCpuPerAgentMinute: perAgentMinute(after.pg - before.pg),
      generatorCpuPerAgentMinute: perAgentMinute(after.gen - before.gen),
      generatorCores: (after.gen - before.gen) / loadSeconds,
      appCores: (after.app - before.app) / loadSeconds,
      pgCores: (after.pg - before.pg) / loadSeconds,
      appRssKiB,
      uploadBreakdown,
      postgresWaits,
    };
  } finally {
    await generators.stop();
  }
}

/**
 * App memory per held long poll: RSS with N agents doing nothing but long polls, minus RSS
 * before they connected, over N.
 */
export async function measureIdleMemory(options: {
  apps: AppInstance[];
  world: FleetWorld;
  tag: string;
}): Promise<{ agents: number; kibPerPoll: number }> {
  const n = REALISTIC.idleAgents;
  const pids = options.apps.map((a) => a.pid);
  // RSS moves with the garbage collector: the median of a few samples, before and after.
  const rss = async () => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(treeRssKiB(pids));
      await sleep(1000);
    }
    return samples.sort((a, b) => a - b)[2]!;
  };
  const before = await rss();
  const generators = startGenerators(options.apps, options.world, n, options.tag, "idle");
  try {
    if (!(await generators.ready(60_000 + n * 10))) log("idle memory: not every agent got its first bundle");
    await sleep(3000);
    return { agents: n, kibPerPoll: ((await rss()) - before) / n };
  } finally {
    await generators.stop();
  }
}

function fmtMs(ms: number): string {
  return Number.isFinite(ms)
    ? ms >= 1000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${ms.toFixed(0)} ms`
    : "never (some agents)";
}

export function describeRealisticStep(s: RealisticStep): string {
  return [
    `realistic N=${s.agents} on ${s.instances} instance(s): ${s.held ? "HELD" : `FAILED (${s.why.join("; ")})`}`,
    `  ${s.publishes} publishes; commit → 99% of agents: ${s.p99ActiveMs.map(fmtMs).join(", ")}; → last agent: ${s.lastActiveMs.map(fmtMs).join(", ")}`,
    `  status p99 ${fmtMs(s.statusP99Ms)} over ${s.statusRequests}, log upload p99 ${fmtMs(s.logP99Ms)} over ${s.logRequests}; 5xx ${s.serverErrors}, network errors ${s.networkErrors}; decisions ${s.decisionsStored}/${s.decisionsGenerated} stored`,
    `  log uploads: ${s.uploadBreakdown}`,
    `  PostgreSQL backends (share of 100 ms samples): ${s.postgresWaits}`,
    `  CPU per agent-minute: app ${(s.appCpuPerAgentMinute * 1000).toFixed(2)} ms, PostgreSQL ${(s.pgCpuPerAgentMinute * 1000).toFixed(2)} ms, load generator ${(s.generatorCpuPerAgentMinute * 1000).toFixed(2)} ms; cores busy: app ${s.appCores.toFixed(2)}, PostgreSQL ${s.pgCores.toFixed(2)}, generator ${s.generatorCores.toFixed(2)}; app RSS ${(s.appRssKiB / 1024).toFixed(0)} MiB`,
  ].join("\n");
}

/**
 * Samples pg_stat_activity every 100 ms: how many of the app's backends are active, and on what
 * they wait (a lock, I/O, the client), so a slow step says whether PostgreSQL worked or waited.
 */
function samplePostgresWaits(): { stop: () => Promise<string> } {
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    const { pool } = await import("@/lib/core/db");
    while (running) {
      const { rows } = await pool().query<{ what: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS what, count(*)::int AS n
           FROM pg_stat_activity
          WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
          GROUP BY 1`,
      );
      samples += 1;
      for (const r of rows) counts.set(r.what, (counts.get(r.what) ?? 0) + r.n);
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6);
      return top.length === 0
        ? "idle throughout"
        : top.map(([what, n]) => `${what} ${(n / samples).toFixed(2)}`).join(", ");
    },
  };
}

/**
 * p99 of each phase the app reports in Server-Timing, of what it does not account for (the
 * connection, the app's and the generator's event loops), and how many of the uploads over the
 * limit started within 5 s after a publish's commit.
 */
function breakDownUploads(r: GeneratorReport, publishedAt: number[]): string {
  const p99 = (xs: number[]) =>
    fmtMs(
      percentile(
        [...xs].sort((a, b) => a - b),
        99,
      ),
    );
  const byPhase = new Map<string, number[]>();
  const outside: number[] = [];
  let slow = 0;
  let slowAfterPublish = 0;
  r.uploads.forEach((u, i) => {
    let accounted = 0;
    for (const [phase, ms] of Object.entries(u.phases)) {
      (byPhase.get(phase) ?? byPhase.set(phase, []).get(phase)!).push(ms);
      accounted += ms;
    }
    const total = r.uploadMs[i]!;
    outside.push(total - accounted);
    if (total >= REALISTIC.requestP99Ms) {
      slow += 1;
      if (publishedAt.some((t) => u.at >= t && u.at < t + 5000)) slowAfterPublish += 1;
    }
  });
  const phases = [...byPhase].map(([phase, xs]) => `${phase} ${p99(xs)}`).join(", ");
  return `p99 by phase: ${phases}, outside the handler ${p99(outside)} (load generator's event-loop delay p99 ${fmtMs(r.eventLoopDelayP99Ms)}); ${slow} of ${r.uploads.length} over ${REALISTIC.requestP99Ms} ms, ${slowAfterPublish} of them within 5 s after a publish`;
}

function appendAll<T>(into: T[], xs: T[]): void {
  for (const x of xs) into.push(x);
}
