import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { appUrl } from "@/test/support/api";

// The agent config Verdict generates names its public URL: the app under test.
process.env.VERDICT_PUBLIC_URL = appUrl();

import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { freePort } from "@/lib/core/free-port";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import {
  approveAndPublish,
  createServiceWithEndpoints,
  ensureAllowlistBundle,
  entry,
  serviceName,
} from "@/test/factories/allowlists";
import { grantAccess } from "@/lib/allowlists/grant-access";
import { revokeEntry } from "@/lib/allowlists/revoke-entry";

type Decision = { allow: boolean; reason: string; entry: string | null };
type Agent = {
  decide: (input: unknown) => Promise<Decision>;
  revision: () => Promise<string | null>;
  stop: () => Promise<void>;
};

/** A real `opa run -s` with the config Verdict generated, long-polling, stopped by its own handle. */
async function startAgent(configYaml: string): Promise<Agent> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-allowlist-agent-"));
  const config = parse(configYaml) as Record<string, any>;
  for (const bundle of Object.values(config.bundles ?? {}) as Array<Record<string, any>>) {
    bundle.polling = { min_delay_seconds: 1, max_delay_seconds: 2, long_polling_timeout_seconds: 30 };
  }
  writeFileSync(path.join(dir, "opa.yaml"), stringify(config, { lineWidth: 0 }));
  mkdirSync(path.join(process.cwd(), "test-results", "agent-logs"), { recursive: true });
  const log = createWriteStream(path.join(process.cwd(), "test-results", "agent-logs", `allowlist-agent-${port}.log`));
  const child = spawn(
    process.env.OPA_BIN!,
    [
      "run",
      "-s",
      "--addr",
      `127.0.0.1:${port}`,
      "-c",
      path.join(dir, "opa.yaml"),
      "--skip-version-check",
      "--set",
      "labels.instance=allowlist-agent",
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => expect((await fetch(`${url}/health`)).status).toBe(200), {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  return {
    decide: async (input) => {
      const res = await fetch(`${url}/v1/data/verdict/authz/decision`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input }),
      });
      return ((await res.json()) as { result: Decision }).result;
    },
    revision: async () =>
      ((await (await fetch(`${url}/v1/data/system/bundles/authz/manifest/revision`)).json()) as { result?: string })
        .result ?? null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let actors: { admin: Actor; author: Actor; reviewer: Actor };
let agent: Agent;
const svc = serviceName("payments");
const ORDERS = "spiffe://prod.example/ns/shop/sa/orders";
const BATCH = "spiffe://prod.example/ns/legacy/sa/batch";
const PARTNER = "spiffe://partner.example/ns/acme/sa/sync";
let ordersEntryId = "";
let batchExpiresAt = 0;

async function propose(input: ReturnType<typeof entry>) {
  const proposed = await grantAccess({ actor: actors.author, input });
  await approveAndPublish(actors, proposed.changeRequest!.number);
}

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  const bundle = await ensureAllowlistBundle(actors);
  await createServiceWithEndpoints(actors.author, {
    name: svc,
    trustDomain: "prod.example",
    endpoints: [
      ["POST", "/refunds"],
      ["GET", "/refunds/{id}"],
      ["*", "/health"],
    ],
  });
  await propose(entry(svc, "POST", "/refunds", ORDERS));
  await propose(entry(svc, "GET", "/refunds/{id}", PARTNER, { crossTrustDomain: true }));
  await propose(entry(svc, "*", "/health", "spiffe://prod.example/ns/monitoring/*"));
  batchExpiresAt = Date.now() + 4000;
  await propose(entry(svc, "POST", "/refunds", BATCH, { expiresAt: new Date(batchExpiresAt).toISOString() }));
  ordersEntryId = (
    await db.allowlistEntry.findFirstOrThrow({ where: { callerId: ORDERS, endpoint: { service: { name: svc } } } })
  ).id;
  const credential = await createTestAgentCredential(actors.admin, { bundles: ["authz"] });
  agent = await startAgent(credential.opaConfig);
  const latest = await db.bundleRevision.findFirstOrThrow({
    where: { bundleId: bundle.id },
    orderBy: { number: "desc" },
  });
  await eventually(async () => expect(await agent.revision()).toBe(latest.revision), {
    timeoutMs: 15_000,
    intervalMs: 50,
  });
});

afterAll(async () => {
  await agent?.stop();
});

const plain = (caller: string, method: string, path: string) => ({ caller, service: svc, method, path });

describe("a real OPA agent enforcing the published allowlists", () => {
  it("decides a table of requests as expected", async () => {
    const table: Array<[string, unknown, boolean, RegExp]> = [
      ["match", plain(ORDERS, "POST", "/refunds"), true, /^allowed by entry /],
      ["wrong method", plain(ORDERS, "GET", "/refunds"), false, /no allowlist entry lets/],
      ["wrong path", plain(ORDERS, "POST", "/refunds/1"), false, /no allowlist entry lets/],
      [
        "other trust domain",
        plain("spiffe://staging.example/ns/shop/sa/orders", "POST", "/refunds"),
        false,
        /no allowlist entry lets|trust domain/,
      ],
      ["explicit cross-trust-domain grant", plain(PARTNER, "GET", "/refunds/r-1"), true, /^allowed by entry /],
      [
        "caller wildcard",
        plain("spiffe://prod.example/ns/monitoring/sa/prober", "HEAD", "/health"),
        true,
        new RegExp(`monitoring/\\* may call ${svc} \\* /health$`),
      ],
      [
        "wildcard does not cover its own prefix",
        plain("spiffe://prod.example/ns/monitoring", "GET", "/health"),
        false,
        /no allowlist entry/,
      ],
      ["encoded slash", plain(PARTNER, "GET", "/refunds/a%2Fb"), false, /encoded slash/],
      ["unknown service", { ...plain(ORDERS, "POST", "/refunds"), service: "nope" }, false, /has no allowlist/],
      [
        "Envoy ext_authz input with the mTLS peer",
        {
          attributes: {
            source: { principal: ORDERS },
            request: { http: { method: "POST", path: "/refunds?dry_run=1", headers: {} } },
            contextExtensions: { verdict_service: svc },
          },
        },
        true,
        /^allowed/,
      ],
    ];
    for (const [name, input, allow, reason] of table) {
      const decision = await agent.decide(input);
      expect({ name, allow: decision.allow }).toEqual({ name, allow });
      expect(decision.reason).toMatch(reason);
    }
  });

  it("stops honouring a grant the moment it expires, even before the next publish", async () => {
    expect((await agent.decide(plain(BATCH, "POST", "/refunds"))).allow).toBe(Date.now() < batchExpiresAt);
    await new Promise((r) => setTimeout(r, Math.max(0, batchExpiresAt - Date.now() + 50)));
    const decision = await agent.decide(plain(BATCH, "POST", "/refunds"));
    expect(decision.allow).toBe(false);
    expect(decision.reason).toMatch(/expired at|no allowlist entry lets/);
  });

  it("denies within a second of a published revocation (long polling)", async () => {
    expect((await agent.decide(plain(ORDERS, "POST", "/refunds"))).allow).toBe(true);
    const revoked = await revokeEntry({ actor: actors.author, id: ordersEntryId });
    await new Promise((r) => setTimeout(r, 300));
    await approveAndPublish(actors, revoked.changeRequest!.number);
    const published = performance.now();
    await eventually(async () => expect((await agent.decide(plain(ORDERS, "POST", "/refunds"))).allow).toBe(false), {
      timeoutMs: 1_000,
      intervalMs: 10,
    });
    console.log(`[allowlists] revoke published → agent denies in ${Math.round(performance.now() - published)} ms`);
  });
});
