import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { db } from "@/lib/core/db";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { withSessionLock } from "@/lib/core/session-lock";
import { AppError } from "@/lib/core/errors";
import { packTarGz, unpackTarGz } from "@/lib/core/tarball";
import { sha256Hex } from "@/lib/core/sha256";
import type { Actor } from "@/lib/auth/actor";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { flushAgentStatus } from "@/lib/agents/record-agent-status";
import { bundleAgentConfig } from "@/lib/agents/bundle-opa-config";
import { addTarget } from "@/lib/distribution/add-target";
import { listTargets, type TargetView } from "@/lib/distribution/list-targets";
import { removeTarget } from "@/lib/distribution/remove-target";
import { checkBundleTargets } from "@/lib/distribution/check-targets";
import { retryDueUploads } from "@/lib/distribution/distribution-retrier";
import { pushOciBundle } from "@/lib/distribution/oci-registry";
import { putS3Bundle } from "@/lib/distribution/s3-object";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { publishedScenario, shipNewVersion } from "@/test/factories/bundles";
import { startOpaAgent, type OpaAgent } from "@/test/support/opa-agent";
import { startRegistry, startS3Gateway, type LocalServer } from "@/test/support/distribution-servers";

// A real CNCF registry (htpasswd auth) and a real S3-compatible gateway (versitygw) on loopback,
// real opa agents pulling from them with the generated configs, and Verdict's agent plane
// in-process for their status reports.

const REGISTRY_USER = "pusher";
const REGISTRY_PASSWORD = randomBytes(12).toString("hex");
const S3_KEY_ID = `VERDICT${randomBytes(6).toString("hex").toUpperCase()}`;
const S3_SECRET = randomBytes(20).toString("base64url");
const BUCKET = "bundles";

let registry: LocalServer;
let s3: LocalServer;
let plane: http.Server;
let planeUrl: string;
let actors: { admin: Actor; author: Actor; reviewer: Actor };
let scenario: Awaited<ReturnType<typeof publishedScenario>>["scenario"];
let agentToken: string;
const agents: OpaAgent[] = [];

beforeAll(async () => {
  [registry, s3] = await Promise.all([
    startRegistry({ username: REGISTRY_USER, password: REGISTRY_PASSWORD }),
    startS3Gateway({ accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET, buckets: [BUCKET] }),
  ]);
  plane = http.createServer((req, res) => {
    if (!serveAgentPlane(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => plane.listen(0, "127.0.0.1", resolve));
  planeUrl = `http://127.0.0.1:${(plane.address() as AddressInfo).port}`;
  ({ actors, scenario } = await publishedScenario());
  agentToken = (await createTestAgentCredential(actors.admin, { bundles: [scenario.bundle.name] })).secret;
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  plane?.closeAllConnections();
  await new Promise((resolve) => plane?.close(resolve));
  await Promise.all([registry?.stop(), s3?.stop()]);
});

const allowPath = () => `${scenario.packagePath.replaceAll(".", "/")}/allow`;

async function revisionBytes(revision: string): Promise<Buffer> {
  const row = await db.bundleRevision.findFirstOrThrow({
    where: { bundle: { name: scenario.bundle.name }, revision },
    select: { bytes: true },
  });
  return Buffer.from(row.bytes);
}

/** The same signed files with one policy changed to let mallory in: the signature no longer matches. */
async function tampered(revision: string): Promise<Buffer> {
  const files = await unpackTarGz(await revisionBytes(revision));
  return packTarGz(
    files.map((f) =>
      f.name.endsWith(".rego")
        ? { ...f, content: Buffer.from(f.content.toString().replace('"alice"', '"mallory", "alice"')) }
        : f,
    ),
    new Date(),
  );
}

async function expectActive(agent: OpaAgent, revision: string): Promise<void> {
  await eventually(async () => expect(await agent.activeRevision(scenario.bundle.name)).toBe(revision), {
    timeoutMs: 30_000,
    intervalMs: 200,
  });
}

async function target(name: string): Promise<TargetView> {
  return (await listTargets({ actor: actors.author, name: scenario.bundle.name })).find((t) => t.name === name)!;
}

/** A real opa with the config Verdict generates for a target, its status going to the in-process plane. */
async function startTargetAgent(targetName: string, env: Record<string, string>): Promise<OpaAgent> {
  const yaml = await bundleAgentConfig({
    actor: actors.author,
    name: scenario.bundle.name,
    kind: "bearer",
    target: targetName,
  });
  const agent = await startOpaAgent({
    name: `dist-${targetName}`,
    config: yaml,
    env: { VERDICT_AGENT_TOKEN: agentToken, ...env },
    tweak: (config) => {
      config.services.verdict.url = `${planeUrl}/api/opa`;
      config.bundles[scenario.bundle.name].polling = { min_delay_seconds: 1, max_delay_seconds: 2 };
      // The OCI downloader keeps its blob store here (by default a temp dir shared by every agent).
      config.persistence_directory = mkdtempSync(path.join(os.tmpdir(), `verdict-opa-${targetName}-`));
    },
  });
  agents.push(agent);
  return agent;
}

describe("distribution targets", () => {
  let ociAgent: OpaAgent;
  let s3Agent: OpaAgent;

  it("upload the signed revision to a registry and a bucket, and never show or store their credentials in clear", async () => {
    const oci = await addTarget({
      actor: actors.admin,
      name: scenario.bundle.name,
      input: {
        kind: "oci",
        name: "registry",
        url: registry.url,
        repository: `verdict/${scenario.bundle.name}`,
        tag: "latest",
        credentials: { auth: "basic", username: REGISTRY_USER, password: REGISTRY_PASSWORD },
      },
    });
    const bucket = await addTarget({
      actor: actors.admin,
      name: scenario.bundle.name,
      input: {
        kind: "s3",
        name: "bucket",
        url: s3.url,
        bucket: BUCKET,
        key: `opa/${scenario.bundle.name}.tar.gz`,
        region: "us-east-1",
        credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
      },
    });
    expect(oci).toMatchObject({
      kind: "oci",
      auth: "basic",
      uploads: [{ revision: "r1", state: "stored", error: null }],
    });
    expect(bucket).toMatchObject({ kind: "s3", auth: "sigv4", uploads: [{ revision: "r1", state: "stored" }] });

    // What the registry holds under the tag is the signed tarball, as an OCI artifact OPA reads.
    const basic = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString("base64")}`;
    const manifest = await fetch(`${registry.url}/v2/verdict/${scenario.bundle.name}/manifests/latest`, {
      headers: { authorization: basic, accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(manifest.status).toBe(200);
    const body = (await manifest.json()) as { config: { mediaType: string }; layers: Array<Record<string, unknown>> };
    expect(body.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(body.layers).toEqual([
      expect.objectContaining({
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        digest: `sha256:${sha256Hex(await revisionBytes("r1"))}`,
      }),
    ]);
    expect((await fetch(`${registry.url}/v2/verdict/${scenario.bundle.name}/manifests/latest`)).status).toBe(401);

    const everything = JSON.stringify(await listTargets({ actor: actors.admin, name: scenario.bundle.name }));
    const rows = await db.distributionTarget.findMany({ where: { bundle: { name: scenario.bundle.name } } });
    const audit = (await db.auditEvent.findMany({ where: { targetId: { in: rows.map((r) => r.id) } } })).map((a) => ({
      ...a,
      seq: String(a.seq),
    }));
    for (const secret of [REGISTRY_PASSWORD, S3_SECRET]) {
      expect(everything).not.toContain(secret);
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(JSON.stringify(audit)).not.toContain(secret);
    }
    expect(rows.every((r) => r.credentialsSealed?.startsWith("vb1."))).toBe(true);
    expect(audit.map((a) => a.action)).toEqual(["distribution_target.create", "distribution_target.create"]);
  });

  it("refuse a second target of the same name, a bucket without credentials, and authors", async () => {
    const input = {
      kind: "oci" as const,
      name: "registry",
      url: registry.url,
      repository: "verdict/other",
      tag: "latest",
      credentials: { auth: "none" as const },
    };
    const duplicate = await addTarget({ actor: actors.admin, name: scenario.bundle.name, input }).catch((e) => e);
    expect(duplicate).toBeInstanceOf(AppError);
    expect((duplicate as AppError).status).toBe(409);
    const forbidden = await addTarget({ actor: actors.author, name: scenario.bundle.name, input }).catch((e) => e);
    expect((forbidden as AppError).status).toBe(403);
    const { ZCreateTargetRequest } = await import("@/lib/distribution/schemas");
    expect(
      ZCreateTargetRequest.safeParse({ kind: "s3", name: "b", url: s3.url, bucket: BUCKET, key: "k" }).success,
    ).toBe(false);
    expect(
      ZCreateTargetRequest.safeParse({ ...input, url: `${registry.url}/some/path` }).error?.issues[0]?.message,
    ).toMatch(/without a path/);
  });

  it("serve real opa agents from each target with the generated config; their status still reaches Verdict", async () => {
    const yaml = parse(
      await bundleAgentConfig({ actor: actors.author, name: scenario.bundle.name, kind: "bearer", target: "bucket" }),
    ) as Record<string, any>;
    expect(yaml.services[`s3-bucket`]).toEqual({
      url: `${s3.url}/${BUCKET}`,
      credentials: { s3_signing: { environment_credentials: {} } },
    });
    expect(yaml.bundles[scenario.bundle.name]).toMatchObject({
      service: "s3-bucket",
      resource: `opa/${scenario.bundle.name}.tar.gz`,
      signing: { scope: "write" },
    });
    expect(yaml.status).toEqual({ service: "verdict" });
    expect(yaml.decision_logs).toMatchObject({ service: "verdict" });

    [ociAgent, s3Agent] = await Promise.all([
      startTargetAgent("registry", {
        VERDICT_REGISTRY_CREDENTIALS: `${REGISTRY_USER}:${REGISTRY_PASSWORD}`,
      }),
      startTargetAgent("bucket", {
        AWS_ACCESS_KEY_ID: S3_KEY_ID,
        AWS_SECRET_ACCESS_KEY: S3_SECRET,
        AWS_REGION: "us-east-1",
      }),
    ]);
    for (const agent of [ociAgent, s3Agent]) {
      await expectActive(agent, "r1");
      expect(await agent.decide(allowPath(), { user: "alice" })).toBe(true);
      expect(await agent.decide(allowPath(), { user: "mallory" })).toBe(false);
    }
    await eventually(
      async () => {
        await flushAgentStatus();
        const seen = await db.agentBundleStatus.findMany({
          where: { bundleName: scenario.bundle.name },
          include: { agent: { select: { identity: true } } },
        });
        expect(seen.map((s) => [s.agent.identity, s.activeRevision]).sort()).toEqual([
          ["dist-bucket", "r1"],
          ["dist-registry", "r1"],
        ]);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  });

  it("publish the next revision to every target, and the agents follow", async () => {
    await shipNewVersion(actors, scenario, ["alice", "bob"], 1);
    for (const name of ["registry", "bucket"]) {
      expect((await target(name)).uploads.map((u) => [u.revision, u.state])).toEqual([
        ["r2", "stored"],
        ["r1", "stored"],
      ]);
    }
    for (const agent of [ociAgent, s3Agent]) {
      await expectActive(agent, "r2");
      expect(await agent.decide(allowPath(), { user: "bob" })).toBe(true);
    }
    const outcomes = await checkBundleTargets({ actor: actors.reviewer, name: scenario.bundle.name });
    expect(outcomes.map((o) => [o.target, o.revision, o.outcome])).toEqual([
      ["bucket", "r2", "intact"],
      ["registry", "r2", "intact"],
    ]);
  });

  it("show a failed upload with its error and retry it with backoff until it lands", async () => {
    const failing = await addTarget({
      actor: actors.admin,
      name: scenario.bundle.name,
      input: {
        kind: "s3",
        name: "not-yet",
        url: s3.url,
        bucket: "later",
        key: "bundle.tar.gz",
        region: "us-east-1",
        credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
      },
    });
    const [first] = failing.uploads;
    expect(first).toMatchObject({ revision: "r2", state: "failed", attempts: 1 });
    expect(first!.error).toMatch(/HTTP 404.*NoSuchBucket/);
    expect(first!.error).not.toContain(S3_SECRET);
    const due = new Date(first!.nextAttemptAt!);
    expect(due.getTime()).toBeGreaterThan(Date.now());

    // Another instance running the retrier: this one skips its pass.
    expect(
      await withSessionLock(ADVISORY_LOCKS.distributionRetrier, () => retryDueUploads(new Date(due.getTime() + 1))),
    ).toEqual([]);
    // Not yet due: the retrier leaves it alone.
    expect(await retryDueUploads(new Date(due.getTime() - 1_000))).not.toContain(failing.id);
    expect((await target("not-yet")).uploads[0]).toMatchObject({ state: "failed", attempts: 1 });
    // Due, still failing: the next wait is longer.
    expect(await retryDueUploads(due)).toContain(failing.id);
    const second = (await target("not-yet")).uploads[0]!;
    expect(second).toMatchObject({ state: "failed", attempts: 2 });
    expect(new Date(second.nextAttemptAt!).getTime() - Date.now()).toBeGreaterThan(due.getTime() - Date.now());

    mkdirSync(path.join(s3.dir, "root", "later"));
    expect(await retryDueUploads(new Date(second.nextAttemptAt!))).toContain(failing.id);
    expect((await target("not-yet")).uploads[0]).toMatchObject({
      revision: "r2",
      state: "stored",
      attempts: 3,
      error: null,
    });
    expect(await retryDueUploads(new Date(Date.now() + 3_600_000))).not.toContain(failing.id);

    await removeTarget({ actor: actors.admin, name: scenario.bundle.name, target: "not-yet" });
    expect(await target("not-yet")).toBeUndefined();
  });

  it("a tampered object is refused by the agents and flagged on the revision and in the audit trail", async () => {
    const evil = await tampered("r2");
    await putS3Bundle(
      { url: s3.url, bucket: BUCKET, key: `opa/${scenario.bundle.name}.tar.gz`, region: "us-east-1" },
      { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
      evil,
    );
    await pushOciBundle(
      { url: registry.url, repository: `verdict/${scenario.bundle.name}`, tag: "latest" },
      { auth: "basic", username: REGISTRY_USER, password: REGISTRY_PASSWORD },
      evil,
      "r2",
    );
    for (const agent of [s3Agent, ociAgent]) {
      await eventually(
        async () =>
          expect(JSON.stringify(await agent.bundleStatus(scenario.bundle.name))).toMatch(/digest mismatch|verif/i),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(await agent.activeRevision(scenario.bundle.name)).toBe("r2");
      expect(await agent.decide(allowPath(), { user: "mallory" })).toBe(false);
    }

    const outcomes = await checkBundleTargets({ actor: actors.reviewer, name: scenario.bundle.name });
    expect(outcomes.map((o) => [o.target, o.outcome])).toEqual([
      ["bucket", "tampered"],
      ["registry", "tampered"],
    ]);
    for (const name of ["bucket", "registry"]) {
      const [latest] = (await target(name)).uploads;
      expect(latest).toMatchObject({ revision: "r2", state: "tampered" });
      expect(latest!.error).toMatch(/^digest mismatch: content sha256 [0-9a-f]{64}, signed [0-9a-f]{64}/);
    }
    const flagged = await db.auditEvent.findMany({ where: { action: "distribution_target.tampered" } });
    expect(flagged).toHaveLength(2);
    expect(flagged.every((e) => e.actorId === actors.reviewer.userId)).toBe(true);

    // The next publish replaces the tampered copies; the flag stays on r2.
    await shipNewVersion(actors, scenario, ["alice", "carol"], 2);
    for (const name of ["bucket", "registry"]) {
      expect((await target(name)).uploads.slice(0, 2).map((u) => [u.revision, u.state])).toEqual([
        ["r3", "stored"],
        ["r2", "tampered"],
      ]);
    }
    for (const agent of [s3Agent, ociAgent]) {
      await expectActive(agent, "r3");
    }
  });
});
