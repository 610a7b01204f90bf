// npm run bench -- fleet — N simulated OPA agents (bundle long polls, status reports, gzip
// decision-log uploads, each over its own keep-alive connections) plus a few real `opa run`
// agents against one app instance, then two against the same PostgreSQL, while revisions are
// published every few seconds. Reports the largest N that keeps p99 publish → agent under
// 100 ms with no ingestion backlog, and app/PostgreSQL CPU per agent-minute.
import type { AppInstance } from "@/test/support/app-process";
import type { Bench, BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";
import { arrangePublishedBundle, startPublisher, startRealAgents, type FleetWorld } from "./fleet-world";
import { describeStep, runStep, type FleetSettings, type StepResult } from "./fleet-step";

const STEPS = (process.env.BENCH_FLEET_STEPS ?? "50,100,200,400,800")
  .split(",")
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const SETTINGS: FleetSettings = {
  seconds: Number(process.env.BENCH_FLEET_SECONDS ?? 30),
  // OPA's generated config says 30 s; shorter keeps a step short without changing what a publish does.
  longPollSeconds: 15,
  publishEveryMs: 5000,
  decisionsPerSecond: Number(process.env.BENCH_FLEET_DECISIONS_PER_SECOND ?? 10),
  graceMs: 5000,
  targetP99Ms: 100,
};
const REAL_AGENTS = 3;
const log = (line: string) => console.error(`[fleet] ${line}`);

type Context = { world: FleetWorld; publisher: Awaited<ReturnType<typeof startPublisher>>; postgresPid: number };

export default {
  name: "fleet",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("fleet");
    try {
      env.applyToThisProcess();
      const first = await env.startApp();
      process.env.VERDICT_PUBLIC_URL = first.url;
      const world = await arrangePublishedBundle();
      const publisher = await startPublisher(world);
      const ctx: Context = { world, publisher, postgresPid: env.postgresPid() };
      log(
        `steps ${STEPS.join(", ")}; ${SETTINGS.seconds} s each; long poll wait=${SETTINGS.longPollSeconds} s; a publish every ${SETTINGS.publishEveryMs / 1000} s; ${SETTINGS.decisionsPerSecond} decisions/s per agent, uploaded every 1–2 s`,
      );
      const alone = await step(ctx, [first], 1, "alone");
      // On a busy machine even the first step may fail: below it, N halves until a step holds.
      const ladder = [
        ...new Set([...STEPS, ...Array.from({ length: 8 }, (_, i) => Math.floor(STEPS[0]! / 2 ** (i + 1)))]),
      ]
        .filter((n) => n >= 1)
        .sort((a, b) => a - b);
      const one = await configuration(ctx, [first], "one", ladder, STEPS[0]!);
      const second = await env.startApp();
      const two = await configuration(ctx, [first, second], "two", ladder, one.best?.agents ?? STEPS[0]!);
      publisher.stop();
      return rows(alone, one, two);
    } finally {
      const { closeDb } = await import("@/lib/core/db");
      await closeDb();
      await env.stop();
    }
  },
} satisfies Bench;

async function step(ctx: Context, apps: AppInstance[], n: number, tag: string): Promise<StepResult> {
  const result = await runStep({ n, apps, ...ctx, tag: `fleet-${tag}-${n}`, settings: SETTINGS });
  log(describeStep(result));
  return result;
}

type Configuration = { best: StepResult | null; tried: StepResult[]; realOk: number; realNote: string };

/**
 * Climbs the ladder from `startN` until a step fails; if the first step already fails, walks
 * down the ladder until one holds. Real agents run through the whole configuration and are checked at the end.
 */
async function configuration(
  ctx: Context,
  apps: AppInstance[],
  tag: string,
  ladder: number[],
  startN: number,
): Promise<Configuration> {
  const steps = ladder.filter((n) => n >= startN);
  const fallback = ladder.filter((n) => n < startN).reverse();
  log(`── ${apps.length} app instance(s) ──`);
  const real = await startRealAgents(ctx.world, apps, REAL_AGENTS, tag, SETTINGS.longPollSeconds);
  const tried: StepResult[] = [];
  let best: StepResult | null = null;
  try {
    for (const n of steps) {
      const r = await step(ctx, apps, n, tag);
      tried.push(r);
      if (!r.held) break;
      best = r;
    }
    if (!best) {
      for (const n of fallback) {
        const r = await step(ctx, apps, n, tag);
        tried.push(r);
        if (r.held) {
          best = r;
          break;
        }
      }
    }
    await real.stopDeciding();
    const { realOk, realNote } = await checkRealAgents(ctx, real);
    log(`real opa agents: ${realNote}`);
    return { best, tried, realOk, realNote };
  } finally {
    await real.stop();
  }
}

/** Each real agent is on the newest revision and every decision it answered is stored. */
async function checkRealAgents(
  ctx: Context,
  real: Awaited<ReturnType<typeof startRealAgents>>,
): Promise<{ realOk: number; realNote: string }> {
  const { pool } = await import("@/lib/core/db");
  const newest = ctx.publisher.latest().revision;
  const notes: string[] = [];
  let ok = 0;
  const deadline = Date.now() + 15_000;
  for (const agent of real.agents) {
    let revision: string | null = null;
    let stored = -1;
    const decided = real.decided.get(agent.name)!;
    do {
      revision = await agent.activeRevision(ctx.world.bundle).catch(() => null);
      // Only the policy decisions: OPA also logs the GET /v1/data reads of activeRevision() here.
      stored = (
        await pool().query<{ n: number }>("SELECT count(*)::int AS n FROM decisions WHERE agent = $1 AND path = $2", [
          agent.name,
          real.dataPath,
        ])
      ).rows[0]!.n;
      if (revision === newest && stored === decided) break;
      await new Promise((r) => setTimeout(r, 250));
    } while (Date.now() < deadline);
    if (revision === newest && stored === decided) ok += 1;
    notes.push(`${agent.name}: ${revision} (newest ${newest}), ${stored}/${decided} decisions stored`);
  }
  return { realOk: ok, realNote: notes.join("; ") };
}

function rows(alone: StepResult, one: Configuration, two: Configuration): BenchRow[] {
  const fmt = (r: StepResult) => `N=${r.agents}: ${r.held ? "held" : r.why.join(", ")}`;
  const triedNote = (c: Configuration) => `steps tried: ${c.tried.map(fmt).join(" | ")}`;
  const at = one.best;
  const common = `${SETTINGS.seconds} s per step, wait=${SETTINGS.longPollSeconds} s, publish every ${SETTINGS.publishEveryMs / 1000} s, ${SETTINGS.decisionsPerSecond} decisions/s per agent`;
  const result: BenchRow[] = [
    {
      figure: "fleet: agents one instance holds (p99 publish→agent < 100 ms, no backlog)",
      verdict: at?.agents ?? 0,
      baseline: null,
      unit: "agents",
      baselineName: null,
      better: "higher",
      note: `${common}; ${triedNote(one)}`,
    },
    {
      figure: "fleet: agents two instances hold (same PostgreSQL, NOTIFY)",
      verdict: two.best?.agents ?? 0,
      baseline: at?.agents ?? null,
      unit: "agents",
      baselineName: "one instance, same run",
      better: "higher",
      note: `ratio = scaling; ${triedNote(two)}`,
    },
  ];
  if (at) {
    result.push(
      {
        figure: `fleet: p99 publish→agent at N=${at.agents}, one instance`,
        verdict: at.p99,
        baseline: alone.p99,
        unit: "ms",
        baselineName: "a single agent alone",
        better: "lower",
        note: `${at.samples} deliveries, ${at.publishes} publishes; commit (NOTIFY) → simulated agent has the 200`,
      },
      {
        figure: `fleet: p50 publish→agent at N=${at.agents}, one instance`,
        verdict: at.p50,
        baseline: alone.p50,
        unit: "ms",
        baselineName: "a single agent alone",
        better: "lower",
      },
      {
        figure: "fleet: app CPU per agent-minute, one instance",
        verdict: at.appCpuPerAgentMinute * 1000,
        baseline: alone.appCpuPerAgentMinute * 1000,
        unit: "ms",
        baselineName: "a single agent alone",
        better: "lower",
        note: `at N=${at.agents}; CPU time, independent of other load on the machine`,
      },
      {
        figure: "fleet: PostgreSQL CPU per agent-minute, one instance",
        verdict: at.pgCpuPerAgentMinute * 1000,
        baseline: alone.pgCpuPerAgentMinute * 1000,
        unit: "ms",
        baselineName: "a single agent alone",
        better: "lower",
        note: `at N=${at.agents}; includes decision ingestion (${SETTINGS.decisionsPerSecond}/s per agent)`,
      },
    );
  }
  if (two.best) {
    result.push({
      figure: `fleet: p99 publish→agent at N=${two.best.agents}, two instances`,
      verdict: two.best.p99,
      baseline: alone.p99,
      unit: "ms",
      baselineName: "a single agent alone",
      better: "lower",
    });
  }
  result.push({
    figure: "fleet: real opa agents on the newest revision with all uploads stored",
    verdict: one.realOk + two.realOk,
    baseline: REAL_AGENTS * 2,
    unit: "agents",
    baselineName: "real agents started",
    better: "higher",
    note: [one.realNote, two.realNote].join(" || "),
  });
  return result;
}
