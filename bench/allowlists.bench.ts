// npm run bench -- allowlists — 100,000 grants: publish (load + build + sign + opa check + store),
// bundle size, and OPA decision latency (p50/p99 of OPA's own timer_rego_query_eval_ns), each
// against a baseline measured in the same run.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { percentile, type Bench, type BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";

const GRANTS = { services: 500, callers: 20_000, grantsPerCaller: 5 };
const DECISIONS = 2_000;

async function run(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment("allowlists");
  env.applyToThisProcess();
  const { pool, db, closeDb } = await import("@/lib/core/db");
  const { createTestUser } = await import("@/test/factories/actors");
  const { shipAllowlistBundle, approveAndPublish, createServiceWithEndpoints, entry } = await import(
    "@/test/factories/allowlists"
  );
  const { seedBulkAllowlists } = await import("@/test/factories/bulk-allowlists");
  const { grantAccess } = await import("@/lib/allowlists/grant-access");
  const { buildCurrentAllowlistsDocument } = await import("@/lib/allowlists/publish-data");
  const { authzPolicySource } = await import("@/lib/allowlists/authz-policy");
  const { runOpa } = await import("@/lib/opa/run-opa");
  const work = mkdtempSync(path.join(os.tmpdir(), "verdict-bench-allowlists-"));
  try {
    const actors = {
      admin: await createTestUser(["admin"]),
      author: await createTestUser(["author"]),
      reviewer: await createTestUser(["reviewer"]),
    };
    await shipAllowlistBundle(actors);
    const seeded = await seedBulkAllowlists(pool(), {
      prefix: "b",
      ...GRANTS,
      expireEvery: 0,
      createdById: actors.author.userId,
    });
    console.error(`[bench] seeded ${seeded.entries.toLocaleString("en-US")} grants`);

    // Verdict: publish one more grant through review; the publish rebuilds the whole bundle.
    await createServiceWithEndpoints(actors.author, {
      name: "bench-extra",
      trustDomain: "prod.example",
      endpoints: [["GET", "/x"]],
    });
    const proposed = await grantAccess({
      actor: actors.author,
      input: entry("bench-extra", "GET", "/x", "spiffe://prod.example/ns/bench/sa/x"),
    });
    const started = performance.now();
    const published = await approveAndPublish(actors, proposed.changeRequest!.number);
    const publishMs = performance.now() - started;
    const bundleBytes = published.revisions[0]!.size;

    // Baseline: `opa build` (with signing) of the same policy and data, no database.
    const doc = await buildCurrentAllowlistsDocument();
    const dir = path.join(work, "bundle");
    mkdirSync(path.join(dir, "verdict", "allowlists"), { recursive: true });
    mkdirSync(path.join(dir, "verdict", "authz"), { recursive: true });
    writeFileSync(path.join(dir, "verdict", "allowlists", "data.json"), JSON.stringify(doc));
    writeFileSync(path.join(dir, "verdict", "authz", "policy.rego"), authzPolicySource());
    const key = await generateKey(work);
    const t0 = performance.now();
    const built = await runOpa(
      ["build", "-b", dir, "-o", path.join(work, "opa-build.tar.gz"), "--signing-key", key, "--signing-alg", "ES256"],
      { timeoutMs: 300_000 },
    );
    const opaBuildMs = performance.now() - t0;
    if (built.exitCode !== 0) throw new Error(`opa build failed: ${built.stdout}${built.stderr}`);
    const opaBuildBytes = statSync(path.join(work, "opa-build.tar.gz")).size;

    // Decision latency with 100,000 grants vs the same policy with 100 grants.
    const requests = await decisionRequests(db, DECISIONS);
    const full = await decisionLatency(env.opaBin, dir, requests);
    const small = await smallAllowlistDir(work, doc, authzPolicySource());
    const baseline = await decisionLatency(env.opaBin, small, requests);
    const grantsNote = `${seeded.entries.toLocaleString("en-US")} grants, ${GRANTS.services} services`;
    return [
      {
        figure: "allowlists: publish (load+build+sign+opa check+store)",
        verdict: publishMs,
        baseline: opaBuildMs,
        unit: "ms",
        baselineName: "opa build --signing-key, same data",
        better: "lower",
        note: grantsNote,
      },
      {
        figure: "allowlists: bundle size",
        verdict: bundleBytes / 1024,
        baseline: opaBuildBytes / 1024,
        unit: "KiB",
        baselineName: "opa build, same data",
        better: "lower",
      },
      {
        figure: "allowlists: OPA decision p50 (timer_rego_query_eval_ns)",
        verdict: full.p50,
        baseline: baseline.p50,
        unit: "µs",
        baselineName: "same policy, 100 grants",
        better: "lower",
        note: `${requests.length} decisions, ${full.allowed} allowed`,
      },
      {
        figure: "allowlists: OPA decision p99 (timer_rego_query_eval_ns)",
        verdict: full.p99,
        baseline: baseline.p99,
        unit: "µs",
        baselineName: "same policy, 100 grants",
        better: "lower",
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
    await closeDb();
    await env.stop();
  }
}

async function generateKey(dir: string): Promise<string> {
  const { generateKeyPairSync } = await import("node:crypto");
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const file = path.join(dir, "key.pem");
  writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }));
  return file;
}

type Req = { caller: string; service: string; method: string; path: string };

// Half the requests are granted (a stored grant's caller, service and endpoint), half are not.
async function decisionRequests(db: typeof import("@/lib/core/db").db, n: number): Promise<Req[]> {
  const rows = await db.$queryRaw<Array<{ caller: string; service: string; method: string; path: string }>>`
    SELECT e.caller_id AS caller, s.name AS service, p.method, p.path_pattern AS path
      FROM allowlist_entries e JOIN service_endpoints p ON p.id = e.endpoint_id JOIN services s ON s.id = p.service_id
     WHERE s.name LIKE 'b-%' AND e.caller_id NOT LIKE '%/*' ORDER BY random() LIMIT ${n / 2}`;
  const concrete = (r: (typeof rows)[number]) => ({
    caller: r.caller,
    service: r.service,
    method: r.method === "*" ? "GET" : r.method,
    path: r.path.replace(/\{[^}]+\}/g, "42").replace(/\*$/, "q1"),
  });
  const allowed = rows.map(concrete);
  const denied = allowed.map((r, i) => ({
    ...r,
    service: allowed[(i + 1) % allowed.length]!.service,
    method: "DELETE",
  }));
  return [...allowed, ...denied];
}

async function smallAllowlistDir(
  work: string,
  doc: import("@/lib/allowlists/opa-data").AllowlistsDocument,
  policy: string,
): Promise<string> {
  const services = Object.fromEntries(
    Object.entries(doc.services)
      .slice(0, 500)
      .map(([name, svc]) => [
        name,
        { ...svc, callers: Object.fromEntries(Object.entries(svc.callers).slice(0, 1)), wildcards: [] },
      ]),
  );
  const dir = path.join(work, "small");
  mkdirSync(path.join(dir, "verdict", "allowlists"), { recursive: true });
  mkdirSync(path.join(dir, "verdict", "authz"), { recursive: true });
  writeFileSync(path.join(dir, "verdict", "allowlists", "data.json"), JSON.stringify({ ...doc, services }));
  writeFileSync(path.join(dir, "verdict", "authz", "policy.rego"), policy);
  return dir;
}

/** Starts `opa run -s` on the bundle directory, sends the requests one by one, reads OPA's timer. */
async function decisionLatency(
  opaBin: string,
  dir: string,
  requests: Req[],
): Promise<{ p50: number; p99: number; allowed: number }> {
  const { freePort } = await import("@/lib/core/free-port");
  const port = await freePort();
  const child = spawn(opaBin, ["run", "-s", "--addr", `127.0.0.1:${port}`, "--skip-version-check", "-b", dir], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/health?bundles`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (i > 600) throw new Error("opa did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const timings: number[] = [];
    let allowed = 0;
    for (const input of [...requests.slice(0, 50), ...requests]) {
      const res = await fetch(`${url}/v1/data/verdict/authz/decision?metrics`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input }),
      });
      const body = (await res.json()) as { result?: { allow: boolean }; metrics?: Record<string, number> };
      timings.push((body.metrics?.timer_rego_query_eval_ns ?? NaN) / 1000);
      if (body.result?.allow) allowed += 1;
    }
    const measured = timings.slice(50).sort((a, b) => a - b);
    return {
      p50: percentile(measured, 50),
      p99: percentile(measured, 99),
      allowed: Math.round((allowed * requests.length) / (requests.length + 50)),
    };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

const bench: Bench = { name: "allowlists", run };
export default bench;
