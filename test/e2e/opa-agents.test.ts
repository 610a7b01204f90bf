import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appUrl, callApi, tokenFor } from "@/test/support/api";

// The snippets Verdict generates name its public URL: the app under test.
process.env.VERDICT_PUBLIC_URL = appUrl();

import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { activateSigningKey, createSigningKey, listedPublicKeys, retireSigningKey } from "@/lib/bundles/signing-keys";
import { buildAgentConfig } from "@/lib/agents/opa-config";
import { buildSignedBundle } from "@/lib/bundles/build-bundle";
import { packTarGz, unpackTarGz } from "@/lib/core/tarball";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";
import { fastPolling, startOpaAgent, type OpaAgent } from "@/test/support/opa-agent";
import { startStaticBundleServer, type StaticBundleServer } from "@/test/support/static-bundle-server";
import { startTlsProxy, type TlsProxy } from "@/test/support/tls-proxy";
import { startAppInstance } from "@/test/support/app-process";
import { revokeAgentCredential } from "@/lib/agents/revoke-agent-credential";

let actors: { admin: Actor; author: Actor; reviewer: Actor };
let viewerToken: string;
let scenario: Awaited<ReturnType<typeof approvedScenario>>;
let credential: Awaited<ReturnType<typeof createTestAgentCredential>>;
let agent: OpaAgent;
const cleanup: Array<() => Promise<void>> = [];

const allowPath = () => `${scenario.packagePath.replaceAll(".", "/")}/allow`;
const bundleUrl = () => `${appUrl()}/api/opa/bundles/${scenario.bundle.name}`;

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  viewerToken = (await tokenFor(["viewer"])).token;
  await createSigningKey({ actor: actors.admin, input: { source: "generate", algorithm: "ES256", activate: true } });
  scenario = await approvedScenario(actors, { users: ["alice"] });
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  credential = await createTestAgentCredential(actors.admin, { bundles: [scenario.bundle.name] });
  agent = await startOpaAgent({ name: "agent-a", config: credential.opaConfig, tweak: fastPolling() });
  cleanup.push(agent.stop);
});

afterAll(async () => {
  for (const stop of cleanup.reverse()) await stop();
});

describe("OPA agents against Verdict", () => {
  it("pull the signed bundle, verify it and answer decisions from the published policy", async () => {
    await eventually(async () => expect(await agent.activeRevision(scenario.bundle.name)).toBe("r1"), {
      timeoutMs: 15_000,
    });
    expect(await agent.decide(allowPath(), { user: "alice" })).toBe(true);
    expect(await agent.decide(allowPath(), { user: "bob" })).toBe(false);
    await eventually(async () =>
      expect(await agent.bundleStatus(scenario.bundle.name)).toMatchObject({ active_revision: "r1" }),
    );
    expect(await agent.bundleStatus(scenario.bundle.name)).not.toHaveProperty("code");
  });

  it("get a new revision within a second while long polling, and decide by it", async () => {
    // After its first download OPA long-polls at once; let that request reach the server.
    await new Promise((r) => setTimeout(r, 500));
    await shipNewVersion(actors, scenario, ["alice", "bob"], 1);
    const published = performance.now();
    await eventually(async () => expect(await agent.activeRevision(scenario.bundle.name)).toBe("r2"), {
      timeoutMs: 1_000,
      intervalMs: 10,
    });
    console.log(
      `[opa-agents] publish → long-polling agent active on r2 in ${Math.round(performance.now() - published)} ms`,
    );
    expect(await agent.decide(allowPath(), { user: "bob" })).toBe(true);
  });

  it("answer 304 for an unchanged bundle, with the exact content type and ETag", async () => {
    const auth = { authorization: `Bearer ${credential.secret}` };
    const full = await fetch(bundleUrl(), { headers: auth });
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toBe("application/vnd.openpolicyagent.bundles");
    const etag = full.headers.get("etag")!;
    expect(Buffer.from(await full.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const unchanged = await fetch(bundleUrl(), { headers: { ...auth, "if-none-match": etag } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get("etag")).toBe(etag);
    const longPoll = await fetch(bundleUrl(), {
      headers: { ...auth, "if-none-match": etag, prefer: "modes=snapshot,delta;wait=1" },
    });
    expect(longPoll.status).toBe(304);
    const anonymous = await fetch(bundleUrl());
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="verdict"');
    const other = await approvedScenario(actors);
    await publishChangeRequest({
      actor: actors.admin,
      number: other.cr.number,
      input: { overrideReason: TEST_OVERRIDE },
    });
    expect((await fetch(`${appUrl()}/api/opa/bundles/${other.bundle.name}`, { headers: auth })).status).toBe(403);
  });

  it("show up in the fleet view with the revision they run", async () => {
    await eventually(
      async () => {
        const fleet = await callApi(`/api/v1/fleet?bundle=${scenario.bundle.name}`, { token: viewerToken });
        expect(fleet.body.agents).toEqual([
          expect.objectContaining({
            identity: "agent-a",
            bundles: [expect.objectContaining({ name: scenario.bundle.name, activeRevision: "r2" })],
          }),
        ]);
        expect(fleet.body.rollout.find((r: { bundle: string }) => r.bundle === scenario.bundle.name).summary).toBe(
          "1 of 1 agent on r2",
        );
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
  });
});

describe("agents refuse what Verdict did not sign", () => {
  let server: StaticBundleServer;
  let tamperAgent: OpaAgent;
  let genuine: Buffer;

  beforeAll(async () => {
    server = await startStaticBundleServer();
    cleanup.push(server.stop);
    genuine = Buffer.from(
      await (await fetch(bundleUrl(), { headers: { authorization: `Bearer ${credential.secret}` } })).arrayBuffer(),
    );
    server.serve(genuine, '"genuine"');
    const config = buildAgentConfig({
      publicUrl: server.url,
      credential: { kind: "bearer", token: "unused" },
      bundles: [scenario.bundle.name],
      keys: await listedPublicKeys(),
      identityLabel: "instance",
      status: true,
      decisionLogs: false,
    });
    tamperAgent = await startOpaAgent({ name: "agent-tamper", config, tweak: fastPolling() });
    cleanup.push(tamperAgent.stop);
    await eventually(async () => expect(await tamperAgent.activeRevision(scenario.bundle.name)).toBe("r2"), {
      timeoutMs: 15_000,
    });
  });

  async function expectRefused(bytes: Buffer, etag: string, reason: RegExp) {
    server.serve(bytes, etag);
    await eventually(
      async () => expect(JSON.stringify(await tamperAgent.bundleStatus(scenario.bundle.name))).toMatch(reason),
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(await tamperAgent.activeRevision(scenario.bundle.name)).toBe("r2");
    expect(await tamperAgent.decide(allowPath(), { user: "mallory" })).toBe(false);
  }

  it("refuse a bundle with one byte of a policy changed, keeping the previous revision", async () => {
    const files = await unpackTarGz(genuine);
    const tampered = files.map((f) =>
      f.name.endsWith(".rego") ? { ...f, content: Buffer.from(f.content.toString().replace('"bob"', '"mal"')) } : f,
    );
    await expectRefused(await packTarGz(tampered, new Date()), '"tampered"', /digest mismatch/);
  });

  it("refuse a bundle signed with a key they do not trust", async () => {
    const files = await unpackTarGz(genuine);
    const manifest = JSON.parse(files.find((f) => f.name === ".manifest")!.content.toString());
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const kid = (await listedPublicKeys())[0]!.kid;
    const forged = await buildSignedBundle({
      revision: "r99",
      roots: manifest.roots,
      metadata: {},
      data: [],
      modules: [
        {
          path: files.find((f) => f.name.endsWith(".rego"))!.name,
          source: `package ${scenario.packagePath}\n\nallow := true\n`,
        },
      ],
      signer: { kid, algorithm: "ES256", privateKey },
      builtAt: new Date(),
    });
    await expectRefused(forged.bytes, '"forged"', /verif|signature/i);
  });

  it("refuse an unsigned bundle", async () => {
    const files = (await unpackTarGz(genuine)).filter((f) => f.name !== ".signatures.json");
    await expectRefused(await packTarGz(files, new Date()), '"unsigned"', /missing \.signatures\.json/);
  });
});

describe("key rotation", () => {
  it("keeps agents that list both keys working when a new key starts signing", async () => {
    const next = await createSigningKey({
      actor: actors.admin,
      input: { source: "generate", algorithm: "RS256", activate: false },
    });
    const old = await db.signingKey.findFirstOrThrow({ where: { state: "active" } });
    const rotating = await createTestAgentCredential(actors.admin, { bundles: [scenario.bundle.name] });
    expect(rotating.opaConfig).toContain(next.kid);
    expect(rotating.opaConfig).toContain(old.kid);
    const both = await startOpaAgent({ name: "agent-both-keys", config: rotating.opaConfig, tweak: fastPolling() });
    cleanup.push(both.stop);
    const onlyOld = await startOpaAgent({
      name: "agent-old-key-only",
      config: rotating.opaConfig,
      tweak: (c) => {
        fastPolling()(c);
        delete c.keys[next.kid];
      },
    });
    cleanup.push(onlyOld.stop);
    for (const a of [both, onlyOld])
      await eventually(async () => expect(await a.activeRevision(scenario.bundle.name)).toBe("r2"), {
        timeoutMs: 15_000,
      });

    await activateSigningKey({ actor: actors.admin, id: next.id, reason: "scheduled rotation" });
    await shipNewVersion(actors, scenario, ["alice", "bob", "carol"], 2);
    await eventually(async () => expect(await both.activeRevision(scenario.bundle.name)).toBe("r3"), {
      timeoutMs: 10_000,
    });
    expect(await both.decide(allowPath(), { user: "carol" })).toBe(true);
    // Without the new key an agent refuses r3 and keeps r2: listing both keys is what makes rotation safe.
    await eventually(
      async () => expect(JSON.stringify(await onlyOld.bundleStatus(scenario.bundle.name))).toMatch(/key|verif/i),
      { timeoutMs: 10_000 },
    );
    expect(await onlyOld.activeRevision(scenario.bundle.name)).toBe("r2");

    await retireSigningKey({ actor: actors.admin, id: old.id, reason: "rotated out" });
    await shipNewVersion(actors, scenario, ["alice", "bob", "carol", "dave"], 3);
    await eventually(async () => expect(await both.activeRevision(scenario.bundle.name)).toBe("r4"), {
      timeoutMs: 10_000,
    });
  });
});

describe("OAuth2 client credentials", () => {
  let proxy: TlsProxy;

  beforeAll(async () => {
    proxy = await startTlsProxy(appUrl());
    cleanup.push(proxy.stop);
  });

  it("let an agent fetch a short-lived token over https and pull, verify and report with it", async () => {
    const oauth = await createTestAgentCredential(actors.admin, { kind: "oauth2", bundles: [scenario.bundle.name] });
    const oauthAgent = await startOpaAgent({
      name: "agent-oauth",
      config: oauth.opaConfig,
      tweak: (c) => {
        fastPolling()(c);
        c.services.verdict.url = `${proxy.url}/api/opa`;
        c.services.verdict.tls = { ca_cert: proxy.caFile };
        c.services.verdict.credentials.oauth2.token_url = `${proxy.url}/api/opa/token`;
      },
    });
    cleanup.push(oauthAgent.stop);
    await eventually(async () => expect(await oauthAgent.activeRevision(scenario.bundle.name)).toBe("r4"), {
      timeoutMs: 15_000,
    });
    expect(await oauthAgent.decide(allowPath(), { user: "dave" })).toBe(true);
    await eventually(
      async () => {
        const fleet = await callApi(`/api/v1/fleet?bundle=${scenario.bundle.name}`, { token: viewerToken });
        expect(fleet.body.agents).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              identity: "agent-oauth",
              credential: expect.objectContaining({ id: oauth.credential.id }),
            }),
          ]),
        );
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
  });
});

describe("a second app instance", () => {
  it("serves the current revision from its first request and learns of new ones through NOTIFY", async () => {
    const testEnv = inject("testEnv");
    const second = await startAppInstance(
      {
        DATABASE_URL: testEnv.appDatabaseUrl!,
        OPA_BIN: testEnv.opaBin,
        NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
        VERDICT_MASTER_KEY: testEnv.VERDICT_MASTER_KEY,
      },
      { name: "app-second" },
    );
    cleanup.push(() => second.stop());
    const fresh = await createTestAgentCredential(actors.admin, { bundles: [scenario.bundle.name] });
    const onSecond = await startOpaAgent({
      name: "agent-second-instance",
      config: fresh.opaConfig,
      tweak: (c) => {
        fastPolling()(c);
        c.services.verdict.url = `${second.url}/api/opa`;
      },
    });
    cleanup.push(onSecond.stop);
    const current = (
      await db.bundleRevision.findFirstOrThrow({ where: { bundleId: scenario.bundle.id }, orderBy: { number: "desc" } })
    ).revision;
    await eventually(async () => expect(await onSecond.activeRevision(scenario.bundle.name)).toBe(current), {
      timeoutMs: 15_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    const head = (await db.policy.findUniqueOrThrow({ where: { id: scenario.policy.id } })).headNumber;
    const { revisions } = await shipNewVersion(actors, scenario, ["alice", "bob", "carol", "dave", "frank"], head);
    await eventually(
      async () => expect(await onSecond.activeRevision(scenario.bundle.name)).toBe(revisions[0]!.revision),
      { timeoutMs: 2_000, intervalMs: 10 },
    );
    expect(await onSecond.decide(allowPath(), { user: "frank" })).toBe(true);
  });
});

describe("revoked credentials", () => {
  it("get 401 on the next request and the agent keeps its last bundle", async () => {
    const before = await agent.activeRevision(scenario.bundle.name);
    await revokeAgentCredential({ actor: actors.admin, id: credential.credential.id });
    // The agent's long poll is already waiting: a new revision must not be handed to a revoked credential.
    const head = (await db.policy.findUniqueOrThrow({ where: { id: scenario.policy.id } })).headNumber;
    await shipNewVersion(actors, scenario, ["alice", "bob", "carol", "dave", "eve"], head);
    await eventually(
      async () => expect(await agent.bundleStatus(scenario.bundle.name)).toMatchObject({ http_code: 401 }),
      { timeoutMs: 10_000 },
    );
    expect(await agent.activeRevision(scenario.bundle.name)).toBe(before);
    expect(await agent.decide(allowPath(), { user: "eve" })).toBe(false);
    expect((await fetch(bundleUrl(), { headers: { authorization: `Bearer ${credential.secret}` } })).status).toBe(401);
  });
});
