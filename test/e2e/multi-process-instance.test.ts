import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";
import { startAppInstance, type AppInstance } from "@/test/support/app-process";

// VERDICT_WORKERS=2: one instance, two server processes sharing its port. Both serve agents,
// both learn of a publish, a server process that dies is replaced, and stopping the instance
// stops both.
const testEnv = inject("testEnv");
let app: AppInstance;
let actors: {
  admin: Awaited<ReturnType<typeof createTestUser>>;
  author: Awaited<ReturnType<typeof createTestUser>>;
  reviewer: Awaited<ReturnType<typeof createTestUser>>;
};
let scenario: Awaited<ReturnType<typeof approvedScenario>>;
let token: string;

/** The server processes: the instance's child processes. */
function serverProcesses(): number[] {
  const children = readFileSync(`/proc/${app.pid}/task/${app.pid}/children`, "utf8").trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The bundle's ETag as served over `count` fresh connections (spread over the server processes).
 * Like an agent, a request that gets no answer in 2 s is sent again, once: a connection handed to
 * a process at the moment it dies is lost with it.
 */
async function etagsOverFreshConnections(count: number): Promise<Set<string>> {
  const get = () =>
    new Promise<string>((resolve, reject) => {
      const req = http.get(
        `${app.url}/api/opa/bundles/${scenario.bundle.name}`,
        { agent: false, timeout: 2_000, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve(String(res.headers.etag)) : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on("timeout", () => req.destroy(new Error("no answer in 2 s")));
      req.on("error", reject);
    });
  return new Set(await Promise.all(Array.from({ length: count }, () => get().catch(get))));
}

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  scenario = await approvedScenario(actors, { users: ["alice"] });
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  token = (await createTestAgentCredential(actors.admin, { bundles: [scenario.bundle.name] })).secret;
  app = await startAppInstance(
    {
      DATABASE_URL: testEnv.appDatabaseUrl!,
      OPA_BIN: testEnv.opaBin,
      NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
      VERDICT_MASTER_KEY: testEnv.VERDICT_MASTER_KEY,
      VERDICT_WORKERS: "2",
    },
    { name: "app-two-processes" },
  );
  await eventually(async () => expect(serverProcesses()).toHaveLength(2), { timeoutMs: 60_000 });
});

afterAll(async () => {
  await app?.stop();
});

describe("an instance with VERDICT_WORKERS=2", () => {
  it("serves the same bundle from both processes, and both have a new revision within a second of the publish", async () => {
    // Both processes are up once each has answered (the health check only proves one).
    await eventually(async () => expect((await etagsOverFreshConnections(12)).size).toBe(1), { timeoutMs: 30_000 });
    const before = [...(await etagsOverFreshConnections(12))][0]!;
    const { revisions } = await shipNewVersion(actors, scenario, ["alice", "bob"], 1);
    const published = Date.now();
    await eventually(async () => expect(await etagsOverFreshConnections(12)).toEqual(new Set([revisions[0]!.etag])), {
      timeoutMs: 1_000,
      intervalMs: 50,
    });
    expect(revisions[0]!.etag).not.toBe(before);
    expect(Date.now() - published).toBeLessThan(1_000);
  });

  it("replaces a server process that dies, answering agents all along", async () => {
    const [victim, survivor] = serverProcesses();
    process.kill(victim!, "SIGKILL");
    expect((await etagsOverFreshConnections(6)).size).toBe(1);
    await eventually(
      async () => {
        const now = serverProcesses();
        expect(now).toHaveLength(2);
        expect(now).toContain(survivor);
        expect(now).not.toContain(victim);
      },
      { timeoutMs: 60_000 },
    );
    await eventually(async () => expect((await etagsOverFreshConnections(12)).size).toBe(1), { timeoutMs: 30_000 });
  });

  it("stops both server processes when the instance is stopped", async () => {
    const processes = serverProcesses();
    await app.stop();
    await eventually(async () => expect(processes.filter(alive)).toEqual([]), { timeoutMs: 10_000 });
  });
});
