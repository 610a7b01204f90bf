// npm run bench -- policy-tests — a test run of 200 cases (plus the policy's Rego tests, with
// coverage) through Verdict's API, against raw opa doing the same work on the same files.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { percentile, type Bench, type BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";

const CASES = 200;
const ROUNDS = 12;
const FIXTURE = path.join(process.cwd(), "test", "fixtures", "policies", "rbac");
const PKG = "fixtures.rbac";

type Case = { name: string; input: Record<string, unknown>; expected?: unknown };

/** 200 realistic requests: users with tenant bindings asking for actions on resources. */
function makeCases(): Case[] {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const roles = ["viewer", "editor", "admin", "owner"];
  const tenants = ["acme", "globex", "initech"];
  const types = ["documents", "comments", "members", "tenant"];
  const actions = ["read", "write", "delete", "manage"];
  return Array.from({ length: CASES }, (_, i) => {
    const bindings = Array.from({ length: 1 + rand(3) }, () => ({ tenant: tenants[rand(3)], role: roles[rand(4)] }));
    const input = {
      user: { name: `u${i}`, bindings, suspended: rand(20) === 0 },
      action: actions[rand(4)],
      resource: { type: types[rand(4)], tenant: tenants[rand(3)] },
    };
    return { name: `request ${i}`, input };
  });
}

function run(bin: string, args: string[], cwd: string, stdin?: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout }));
    child.stdin.end(stdin ?? "");
  });
}

/** The expected decisions, from one raw `opa eval` over all cases (they all pass in the bench). */
async function withExpected(opa: string, dir: string, cases: Case[]): Promise<Case[]> {
  const query = `[d | some c in input; d := data.${PKG}.allow with input as c]`;
  const out = await run(
    opa,
    ["eval", "-f", "json", "-d", "policy.rego", "--stdin-input", query],
    dir,
    JSON.stringify(cases.map((c) => c.input)),
  );
  const values = JSON.parse(out.stdout).result[0].expressions[0].value as boolean[];
  return cases.map((c, i) => ({ ...c, expected: values[i] }));
}

/** What a team would write for `opa test`: one test per case, the same inputs and expectations. */
function handWrittenCasesTest(cases: Case[]): string {
  const lines = [`package ${PKG}_cases_test`, ""];
  for (const [i, c] of cases.entries()) {
    lines.push(
      `test_request_${i} if data.${PKG}.allow == ${JSON.stringify(c.expected)} with input as ${JSON.stringify(c.input)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

const bench: Bench = {
  name: "policy-tests",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("policy-tests");
    const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-bench-tests-"));
    try {
      env.applyToThisProcess();
      const { createPolicy } = await import("@/lib/policies/create-policy");
      const { createApiToken } = await import("@/lib/users/create-api-token");
      const { createTestUser } = await import("@/test/factories/actors");
      const source = readFileSync(path.join(FIXTURE, "policy.rego"), "utf8");
      // The fixture keeps one wrong test on purpose; a realistic green suite leaves it out.
      const testSource = readFileSync(path.join(FIXTURE, "policy_test.rego"), "utf8").replace(
        /# Known gap[\s\S]*?_known_wrong if[^\n]*\n/,
        "",
      );
      writeFileSync(path.join(dir, "policy.rego"), source);
      writeFileSync(path.join(dir, "policy_test.rego"), testSource);
      const cases = await withExpected(env.opaBin, dir, makeCases());
      writeFileSync(path.join(dir, "cases_test.rego"), handWrittenCasesTest(cases));

      const author = await createTestUser(["author"]);
      const policy = await createPolicy({
        actor: author,
        input: {
          name: "RBAC",
          packagePath: PKG,
          owner: "bench",
          description: "",
          source,
          message: "",
          testSource,
          testCases: cases.map((c) => ({
            name: c.name,
            query: "",
            input: JSON.stringify(c.input),
            data: "",
            expected: JSON.stringify(c.expected),
          })),
        },
      });
      const { secret } = await createApiToken({
        actor: author,
        input: { name: "bench", roles: ["author"], expiresInDays: 1 },
      });
      const app = await env.startApp();

      const verdictRun = async () => {
        const started = performance.now();
        const res = await fetch(`${app.url}/api/v1/policies/${policy.id}/test-runs`, {
          method: "POST",
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
          body: JSON.stringify({ version: 1 }),
        });
        const body = (await res.json()) as { passed: boolean; summary: { total: number } };
        if (res.status !== 201 || !body.passed || body.summary.total !== CASES + 7)
          throw new Error(`unexpected run: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        return performance.now() - started;
      };
      // The same work in raw opa, with the same flags: per-test results as JSON and a coverage
      // report (without the supplementary annotation passes Verdict does not show), side by side.
      const rawTest = async () => {
        const started = performance.now();
        const [results, coverage] = await Promise.all([
          run(env.opaBin, ["test", "-f", "json", "-z", "."], dir),
          run(env.opaBin, ["test", "--coverage", "-z", "--coverage-runs=", "."], dir),
        ]);
        if (results.code !== 0 || coverage.code !== 0) throw new Error("raw opa test failed");
        return performance.now() - started;
      };
      const query = `[d | some c in input; d := data.${PKG}.allow with input as c]`;
      const rawEval = async () => {
        const started = performance.now();
        await run(
          env.opaBin,
          ["eval", "-f", "json", "-d", "policy.rego", "--stdin-input", query],
          dir,
          JSON.stringify(cases.map((c) => c.input)),
        );
        return performance.now() - started;
      };

      for (let i = 0; i < 2; i++) {
        await verdictRun();
        await rawTest();
      }
      const v: number[] = [],
        t: number[] = [],
        e: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        v.push(await verdictRun());
        t.push(await rawTest());
        e.push(await rawEval());
      }
      const note = `${CASES} cases + 7 Rego tests, coverage; median of ${ROUNDS}`;
      return [
        {
          figure: "test run, 200 cases (API, stored)",
          verdict: median(v),
          baseline: median(t),
          unit: "ms",
          baselineName: "raw opa test + --coverage",
          better: "lower",
          note,
        },
        {
          figure: "test run, 200 cases, worst of rounds",
          verdict: Math.max(...v),
          baseline: Math.max(...t),
          unit: "ms",
          baselineName: "raw opa test + --coverage",
          better: "lower",
        },
        {
          figure: "test run vs bare evaluation",
          verdict: median(v),
          baseline: median(e),
          unit: "ms",
          baselineName: "raw opa eval, one query",
          better: "lower",
          note: "no per-case results, tests or coverage in the baseline",
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await env.stop();
    }
  },
};

export default bench;
