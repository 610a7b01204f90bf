// npm run bench -- fleet-view — the fleet page's queries over 10,000 agents (several bundles and
// revisions, labels, credentials, some stale and failing), in-process and as the rendered page over
// HTTP, each against the plainest SQL over the same table in the same run. The page must answer in
// < 500 ms.
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { percentile, type Bench, type BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";

const AGENTS = Number(process.env.BENCH_FLEET_AGENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_FLEET_VIEW_ROUNDS ?? 30);
const PAGE_BUDGET_MS = 500;
const BUNDLES = 4;
const REVISIONS = 3;
const TEAMS = ["payments", "search", "checkout", "identity", "ledger", "edge", "catalog", "risk"];
const log = (line: string) => console.error(`[fleet-view] ${line}`);

export default {
  name: "fleet-view",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("fleet-view");
    try {
      env.applyToThisProcess();
      const world = await seedFleet();
      const app = await env.startApp();
      return await measure(world, app.url);
    } finally {
      await env.stop();
    }
  },
} satisfies Bench;

type World = {
  bundles: Array<{ name: string; revisions: string[] }>;
  credentials: string[];
  viewer: { email: string; password: string };
};

async function seedFleet(): Promise<World> {
  const { pool } = await import("@/lib/core/db");
  const { enqueueAgentStatus, flushAgentStatus } = await import("@/lib/agents/record-agent-status");
  const { ZStatusReport } = await import("@/lib/agents/schemas");
  const { publishChangeRequest } = await import("@/lib/publishing/publish-change-request");
  const { createTestUser } = await import("@/test/factories/actors");
  const { createTestAgentCredential } = await import("@/test/factories/agents");
  const { approvedScenario, shipNewVersion, TEST_OVERRIDE } = await import("@/test/factories/bundles");
  const started = Date.now();
  const actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  const password = "fleet-view-bench-password";
  const viewer = await createTestUser(["viewer"], { password });
  const bundles: World["bundles"] = [];
  for (let b = 0; b < BUNDLES; b++) {
    const s = await approvedScenario(actors);
    await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
    for (let v = 1; v < REVISIONS; v++) await shipNewVersion(actors, s, [`user-${v}`], v);
    bundles.push({ name: s.bundle.name, revisions: Array.from({ length: REVISIONS }, (_, k) => `r${REVISIONS - k}`) });
  }
  const credentials: string[] = [];
  for (let c = 0; c < 5; c++) credentials.push((await createTestAgentCredential(actors.admin)).credential.id);
  // A realistic spread: most agents on the newest revision, a tail on older ones, a few with none yet;
  // a third pull a second bundle; 2% report errors, 4% went silent.
  const revisionFor = (i: number, revisions: string[]) => {
    const x = (i * 7919) % 100;
    return x < 85 ? revisions[0]! : x < 95 ? revisions[1]! : x < 99 ? revisions[2]! : "";
  };
  for (let i = 0; i < AGENTS; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const main = bundles[i % BUNDLES]!;
    const second = i % 3 === 0 ? bundles[(i + 1) % BUNDLES]! : null;
    const failing = i % 50 === 7;
    const report = ZStatusReport.parse({
      labels: {
        id: `pid-${i}`,
        instance: `${team}-sidecar-${String(i).padStart(5, "0")}`,
        version: i % 10 === 0 ? "1.1.0" : "1.2.0",
        team,
        region: ["eu-west-1", "us-east-1", "ap-south-1"][i % 3]!,
        env: i % 5 === 0 ? "staging" : "prod",
      },
      bundles: Object.fromEntries(
        [main, second].flatMap((b) =>
          b
            ? [
                [
                  b.name,
                  {
                    name: b.name,
                    active_revision: revisionFor(i, b.revisions),
                    ...(failing
                      ? { code: "bundle_error", message: "server replied with Unauthorized", http_code: 401 }
                      : {}),
                  },
                ],
              ]
            : [],
        ),
      ),
    });
    enqueueAgentStatus(report, credentials[i % credentials.length]!);
  }
  await flushAgentStatus();
  await pool().query(
    "UPDATE agents SET last_seen_at = now() - interval '2 hours' WHERE identity IN (SELECT identity FROM agents ORDER BY md5(identity) LIMIT $1)",
    [Math.round(AGENTS * 0.04)],
  );
  await pool().query("VACUUM ANALYZE agents, agent_bundle_statuses, agent_credentials");
  const { rows } = await pool().query<{ n: number }>("SELECT count(*)::int AS n FROM agents");
  log(
    `${rows[0]!.n} agents on ${BUNDLES} bundles × ${REVISIONS} revisions ready in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  return { bundles, credentials, viewer: { email: viewer.email, password } };
}

async function measure(world: World, appUrl: string): Promise<BenchRow[]> {
  const { pool } = await import("@/lib/core/db");
  const { listAgents } = await import("@/lib/agents/list-agents");
  const { fleetCredentials, fleetTotals, rolloutProgress } = await import("@/lib/agents/fleet");
  const { createTestUser } = await import("@/test/factories/actors");
  const { signInWithPassword } = await import("@/test/support/session");
  const actor = await createTestUser(["viewer"]);
  const [first] = world.bundles;
  const timed = async (fn: () => Promise<unknown>) => {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  };
  const raw = (sql: string) => () => pool().query(sql);
  const countBase = await timed(raw("SELECT count(*) FROM agents"));
  const pageBase = await timed(raw("SELECT id, identity FROM agents ORDER BY identity LIMIT 51"));
  const deepCursor = await (async () => {
    let cursor: string | undefined;
    for (let p = 0; p < 100; p++)
      cursor = (await listAgents({ actor, query: { cursor, limit: 50 } })).nextCursor ?? cursor;
    return cursor;
  })();
  const cases: Array<[string, Record<string, string | undefined>]> = [
    ["first page, no filter", {}],
    ["page 101 (keyset)", { cursor: deepCursor }],
    ["stale", { stale: "1" }],
    ["failing", { failing: "1" }],
    ["on an older revision of a bundle", { bundle: first!.name, revision: first!.revisions[1] }],
    [`not on the newest revision of a bundle`, { bundle: first!.name, notRevision: first!.revisions[0] }],
    ["label team=ledger", { label: "team=ledger" }],
    ["label env=staging and failing", { label: "env=staging", failing: "1" }],
    ["credential", { credential: world.credentials[2] }],
    ["agent id contains '4242'", { q: "4242" }],
    ["agent id contains 'sidecar' (matches all)", { q: "sidecar" }],
  ];
  const rows: BenchRow[] = [];
  const row = (figure: string, times: number[], base: number[], baseName: string, note = ""): BenchRow => ({
    figure: `median ${figure}`,
    verdict: percentile(times, 50),
    baseline: percentile(base, 50),
    unit: "ms",
    better: "lower",
    baselineName: baseName,
    note: `p99 ${percentile(times, 99).toFixed(1)} ms (baseline p99 ${percentile(base, 99).toFixed(1)}); ${ROUNDS} rounds${note}`,
  });
  for (const [name, query] of cases) {
    const times = await timed(() => listAgents({ actor, query: { ...query, limit: 50 } }));
    rows.push(row(`agent list: ${name}`, times, pageBase, "SELECT 51 rows ORDER BY identity"));
  }
  rows.push(
    row(
      "rollout per bundle and revision",
      await timed(() => rolloutProgress({ actor })),
      countBase,
      "SELECT count(*) FROM agents",
    ),
  );
  rows.push(row("fleet totals", await timed(() => fleetTotals({ actor })), countBase, "SELECT count(*) FROM agents"));
  const pageData = await timed(() =>
    Promise.all([
      fleetTotals({ actor }),
      rolloutProgress({ actor }),
      fleetCredentials({ actor }),
      listAgents({ actor, query: { limit: 50 } }),
    ]),
  );
  rows.push(row("all the page's queries together", pageData, countBase, "SELECT count(*) FROM agents"));

  const session = await signInWithPassword(world.viewer.email, world.viewer.password, appUrl);
  if (!session.ok) throw new Error("could not sign in to the app");
  const fetchPage = (search: string) => async () => {
    const res = await fetch(`${appUrl}/fleet${search}`, { headers: { cookie: session.cookie } });
    const html = await res.text();
    if (res.status !== 200 || !html.includes('data-testid="fleet-matching"')) {
      const file = path.join(os.tmpdir(), `fleet-view-bench-${res.status}-${Date.now()}.html`);
      writeFileSync(file, html);
      throw new Error(`/fleet${search} answered ${res.status} without the agent table (page saved to ${file})`);
    }
  };
  const health = await timed(async () => {
    await (await fetch(`${appUrl}/api/health`)).text();
  });
  for (const [name, search] of [
    ["whole fleet", ""],
    ["not on the newest revision", `?bundle=${first!.name}&notRevision=${first!.revisions[0]}`],
    ["stale and failing", "?stale=1&failing=1"],
  ] as const) {
    const times = await timed(fetchPage(search)).catch((error: unknown) => {
      log(String(error));
      return null;
    });
    if (!times) continue;
    rows.push(
      row(
        `GET /fleet over HTTP (rendered, ${name})`,
        times,
        health,
        "GET /api/health",
        `; budget ${PAGE_BUDGET_MS} ms: ${percentile(times, 99) < PAGE_BUDGET_MS ? "met" : "MISSED"}`,
      ),
    );
  }
  log(`${AGENTS} agents, every figure over ${ROUNDS} rounds`);
  return rows;
}
