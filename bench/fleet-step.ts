// One step of the fleet benchmark: N simulated agents against the app instances for a fixed
// time while revisions are published, then the figures that decide whether the step held.
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { AppInstance } from "@/test/support/app-process";
import { percentile } from "./harness";
import { treeCpuSeconds } from "./process-cpu";
import { makeEvents } from "./decision-events";
import { newCounters, SimulatedAgent, type FleetCounters } from "./fleet-agent";
import type { FleetWorld, PublishedRevision, startPublisher } from "./fleet-world";

export type FleetSettings = {
  seconds: number;
  longPollSeconds: number;
  publishEveryMs: number;
  decisionsPerSecond: number;
  graceMs: number;
  targetP99Ms: number;
};

export type StepResult = {
  agents: number;
  instances: number;
  held: boolean;
  why: string[];
  p50: number;
  p99: number;
  samples: number;
  missed: number;
  publishes: number;
  decisionsSent: number;
  decisionsStored: number;
  drainedMs: number | null;
  appCpuPerAgentMinute: number;
  pgCpuPerAgentMinute: number;
  counters: FleetCounters;
  generatorLagP99Ms: number;
  /** Per publish: the first and the last agent's latency (ms), to tell server notice from fan-out. */
  firstLast: string[];
};

type Publisher = Awaited<ReturnType<typeof startPublisher>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const templates = makeEvents(500);

/** What one step of either fleet profile runs against. */
export type StepContext = {
  n: number;
  apps: AppInstance[];
  world: FleetWorld;
  publisher: Publisher;
  postgresPid: number;
  tag: string;
};

export async function runStep(options: StepContext & { settings: FleetSettings }): Promise<StepResult> {
  const { n, apps, world, publisher, settings } = options;
  const counters = newCounters();
  const receipts: Array<Array<{ number: number; at: number }>> = Array.from({ length: n }, () => []);
  const agents = Array.from(
    { length: n },
    (_, i) =>
      new SimulatedAgent({
        baseUrl: apps[i % apps.length]!.url,
        bundle: world.bundle,
        token: world.token,
        instance: `${options.tag}-${i}`,
        longPollSeconds: settings.longPollSeconds,
        decisionsPerSecond: settings.decisionsPerSecond,
        templates,
        counters,
        onBundle: (etag, at) => receipts[i]!.push({ number: publisher.byEtag.get(etag)?.number ?? -1, at }),
        revisionOf: (etag) => publisher.byEtag.get(etag)?.revision ?? "",
      }),
  );
  try {
    // Agents come up over a few seconds, as a fleet does, and first fetch the current revision.
    const rampMs = Math.min(5000, n * 10);
    for (let i = 0; i < n; i++) {
      agents[i]!.start();
      if (i % 10 === 9) await sleep((rampMs * 10) / n);
    }
    const current = publisher.latest().number;
    const deadline = Date.now() + 30_000;
    while (receipts.some((r) => !r.some((x) => x.number === current)) && Date.now() < deadline) await sleep(100);
    await sleep(1000);

    const cpu = () => ({ app: treeCpuSeconds(apps.map((a) => a.pid)), pg: treeCpuSeconds([options.postgresPid]) });
    const cpuBefore = cpu();
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const loadStart = performance.now();
    const published: PublishedRevision[] = [];
    for (
      let next = loadStart + settings.publishEveryMs / 2;
      next < loadStart + settings.seconds * 1000;
      next += settings.publishEveryMs
    ) {
      await sleep(Math.max(0, next - performance.now()));
      published.push(await publisher.publish());
    }
    await sleep(Math.max(0, loadStart + settings.seconds * 1000 - performance.now()));
    for (const a of agents) a.stopDecisions();
    const loadMinutes = (performance.now() - loadStart) / 60_000;
    const cpuAfter = cpu();
    lag.disable();

    // Ingestion backlog: everything the agents made must be acknowledged (stored) within the grace period.
    const drainStart = performance.now();
    let drainedMs: number | null = null;
    while (performance.now() - drainStart < settings.graceMs) {
      if (
        counters.decisionsAcknowledged === counters.decisionsGenerated &&
        agents.every((a) => a.bufferedDecisions === 0)
      ) {
        drainedMs = performance.now() - drainStart;
        break;
      }
      await sleep(50);
    }
    await Promise.all(agents.map((a) => a.stop()));
    const decisionsStored = await countStored(`${options.tag}-%`);

    const latencies: number[] = [];
    const firstLast: string[] = [];
    let missed = 0;
    for (const p of published) {
      const committed = publisher.committedAt(p);
      const mine: number[] = [];
      for (const r of receipts) {
        const got = r.find((x) => x.number >= p.number);
        if (got) mine.push(Math.max(0, got.at - committed));
        else missed += 1;
      }
      latencies.push(...mine);
      firstLast.push(`${Math.min(...mine).toFixed(0)}–${Math.max(...mine).toFixed(0)}`);
    }
    latencies.sort((a, b) => a - b);
    const p99 = missed > 0 ? Infinity : percentile(latencies, 99);
    const why: string[] = [];
    if (!(p99 < settings.targetP99Ms))
      why.push(
        missed > 0
          ? `${missed} agent×revision pairs never delivered`
          : `p99 ${p99.toFixed(0)} ms ≥ ${settings.targetP99Ms} ms`,
      );
    if (drainedMs === null)
      why.push(
        `backlog: ${counters.decisionsGenerated - counters.decisionsAcknowledged} decisions not stored ${settings.graceMs / 1000} s after the load stopped`,
      );
    if (decisionsStored !== counters.decisionsGenerated)
      why.push(`stored ${decisionsStored} of ${counters.decisionsGenerated} decisions`);
    if (counters.serverErrors > 0) why.push(`${counters.serverErrors} 5xx responses`);
    if (counters.networkErrors > 0) why.push(`${counters.networkErrors} network errors`);
    return {
      agents: n,
      instances: apps.length,
      held: why.length === 0,
      why,
      p50: percentile(latencies, 50),
      p99,
      samples: latencies.length,
      missed,
      publishes: published.length,
      decisionsSent: counters.decisionsGenerated,
      decisionsStored,
      drainedMs,
      appCpuPerAgentMinute: (cpuAfter.app - cpuBefore.app) / n / loadMinutes,
      pgCpuPerAgentMinute: (cpuAfter.pg - cpuBefore.pg) / n / loadMinutes,
      counters,
      generatorLagP99Ms: lag.percentile(99) / 1e6,
      firstLast,
    };
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}

/** Decisions stored for agents whose label matches the LIKE pattern. */
export async function countStored(agentPattern: string): Promise<number> {
  const { pool } = await import("@/lib/core/db");
  const { rows } = await pool().query<{ n: number }>("SELECT count(*)::int AS n FROM decisions WHERE agent LIKE $1", [
    agentPattern,
  ]);
  return rows[0]!.n;
}

export function describeStep(r: StepResult): string {
  const c = r.counters;
  const p = (xs: number[], q: number) =>
    xs.length
      ? percentile(
          [...xs].sort((a, b) => a - b),
          q,
        ).toFixed(0)
      : "—";
  return [
    `N=${r.agents} on ${r.instances} instance(s): ${r.held ? "HELD" : `FAILED (${r.why.join("; ")})`}`,
    `  publish→agent p50 ${r.p50.toFixed(1)} ms, p99 ${Number.isFinite(r.p99) ? r.p99.toFixed(1) : "∞"} ms over ${r.samples} deliveries (${r.publishes} publishes, ${r.missed} missed); first–last agent per publish: ${r.firstLast.join(", ")} ms`,
    `  requests ${c.requests}, 5xx ${c.serverErrors}, network errors ${c.networkErrors}; full GET p99 ${p(c.fullGetMs, 99)} ms, status POST p99 ${p(c.statusMs, 99)} ms, log upload p99 ${p(c.uploadMs, 99)} ms, long-poll 304 overshoot p99 ${p(c.timeout304OvershootMs, 99)} ms`,
    `  decisions sent ${r.decisionsSent}, stored ${r.decisionsStored}, drained ${r.drainedMs === null ? "NOT within grace" : `${r.drainedMs.toFixed(0)} ms after load stopped`}`,
    `  CPU per agent-minute: app ${(r.appCpuPerAgentMinute * 1000).toFixed(1)} ms, PostgreSQL ${(r.pgCpuPerAgentMinute * 1000).toFixed(1)} ms; load generator event-loop delay p99 ${r.generatorLagP99Ms.toFixed(0)} ms`,
  ].join("\n");
}
