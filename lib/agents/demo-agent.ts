import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { freePort } from "@/lib/core/free-port";
import { AppError } from "@/lib/core/errors";
import { logger } from "@/lib/core/logger";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { createAgentCredential } from "@/lib/agents/create-agent-credential";
import { revokeAgentCredential } from "@/lib/agents/revoke-agent-credential";

/** The identity the demo agent reports (its HOSTNAME label), as the fleet page shows it. */
export const DEMO_AGENT_IDENTITY = "verdict-demo-agent";

export type DemoAgentView = {
  running: boolean;
  /** The opa process, while it runs. */
  pid: number | null;
  identity: string;
  startedAt: string | null;
  endsAt: string | null;
  /** Requests the traffic generator sent to the agent, and how many it decided. */
  requests: number;
  decided: number;
  bundles: string[];
};

type Running = {
  child: ChildProcess;
  exited: Promise<void>;
  dir: string;
  credentialId: string;
  actor: Actor;
  startedAt: Date;
  endsAt: Date;
  bundles: string[];
  traffic: NodeJS.Timeout;
  ending: NodeJS.Timeout;
  requests: number;
  decided: number;
};

const holder = globalThis as typeof globalThis & { __verdictDemoAgent?: Running };

/**
 * Starts the pinned opa as a local agent of this Verdict, with a fresh credential for every bundle
 * and the generated configuration, plus a traffic generator that sends it realistic requests
 * (about two a second) so the fleet and decision pages fill with real data. It stops by itself
 * after `minutes`, and its credential is revoked when it stops.
 */
export async function startDemoAgent(options: {
  actor: Actor;
  minutes: number;
  requestId?: string;
}): Promise<DemoAgentView> {
  const { actor } = options;
  requirePermission(actor, "agent:manage");
  if (holder.__verdictDemoAgent) throw new AppError("conflict", "The demo agent is already running");
  const opaBin = env().OPA_BIN;
  if (!opaBin) throw new AppError("service_unavailable", "The pinned opa is not installed (OPA_BIN is not set)");
  const bundles = (await db.bundle.findMany({ select: { name: true }, orderBy: { name: "asc" } })).map((b) => b.name);
  if (bundles.length === 0)
    throw new AppError("unprocessable", "Create a bundle first: the demo agent pulls every bundle");
  const created = await createAgentCredential({
    actor,
    requestId: options.requestId,
    input: {
      name: `demo agent (${new Date().toISOString().slice(0, 16).replace("T", " ")})`,
      kind: "bearer",
      bundles,
      mayReportStatus: true,
      mayUploadLogs: true,
      expiresInDays: 1,
    },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-demo-agent-"));
  writeFileSync(path.join(dir, "opa.yaml"), created.opaConfig, { mode: 0o600 });
  const port = await freePort();
  const child = spawn(
    opaBin,
    [
      "run",
      "--server",
      "--addr",
      `127.0.0.1:${port}`,
      "--config-file",
      path.join(dir, "opa.yaml"),
      "--log-level",
      "error",
    ],
    {
      cwd: dir,
      // Only what opa needs: the app's own secrets stay out of the agent's environment.
      env: { PATH: process.env.PATH ?? "", HOSTNAME: DEMO_AGENT_IDENTITY, NODE_ENV: "production" },
      // Its errors (a bundle not published yet) show on the fleet page, from its status reports.
      stdio: "ignore",
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const startedAt = new Date();
  const running: Running = {
    child,
    exited,
    dir,
    credentialId: created.credential.id,
    actor,
    startedAt,
    endsAt: new Date(startedAt.getTime() + options.minutes * 60_000),
    bundles,
    requests: 0,
    decided: 0,
    traffic: setInterval(() => void sendRequest(running, port), 500),
    ending: setTimeout(() => void stopDemoAgent({ actor }).catch(() => {}), options.minutes * 60_000),
  };
  running.traffic.unref();
  running.ending.unref();
  holder.__verdictDemoAgent = running;
  void exited.then(() => {
    if (holder.__verdictDemoAgent === running) void stopDemoAgent({ actor }).catch(() => {});
  });
  logger.info({ port, bundles, minutes: options.minutes }, "demo agent started");
  return view();
}

/** Stops the agent and its traffic, removes its files and revokes its credential: nothing is left running. */
export async function stopDemoAgent(options: { actor: Actor; requestId?: string }): Promise<DemoAgentView> {
  requirePermission(options.actor, "agent:manage");
  const running = holder.__verdictDemoAgent;
  if (!running) return view();
  holder.__verdictDemoAgent = undefined;
  clearInterval(running.traffic);
  clearTimeout(running.ending);
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGTERM");
  await running.exited;
  rmSync(running.dir, { recursive: true, force: true });
  await revokeAgentCredential({ actor: running.actor, id: running.credentialId, requestId: options.requestId }).catch(
    (error: unknown) => logger.warn({ err: error }, "revoking the demo agent's credential failed"),
  );
  logger.info({ requests: running.requests }, "demo agent stopped");
  return view();
}

export function getDemoAgent(options: { actor: Actor }): DemoAgentView {
  requirePermission(options.actor, "agent:read");
  return view();
}

function view(): DemoAgentView {
  const r = holder.__verdictDemoAgent;
  return {
    running: Boolean(r),
    pid: r?.child.pid ?? null,
    identity: DEMO_AGENT_IDENTITY,
    startedAt: r?.startedAt.toISOString() ?? null,
    endsAt: r?.endsAt.toISOString() ?? null,
    requests: r?.requests ?? 0,
    decided: r?.decided ?? 0,
    bundles: r?.bundles ?? [],
  };
}

async function sendRequest(running: Running, port: number): Promise<void> {
  const { path: decisionPath, input } = sampleRequest();
  running.requests += 1;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v1/data/${decisionPath}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input }),
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as { result?: unknown };
    if (response.ok && body.result !== undefined) running.decided += 1;
  } catch {
    // The agent is still starting, or stopping: the next tick tries again.
  }
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const TD = "prod.example.com";
const spiffe = (ns: string, sa: string) => `spiffe://${TD}/ns/${ns}/sa/${sa}`;

/** One request as the sample policies' callers would send it: mostly allowed, some denied. */
function sampleRequest(): { path: string; input: unknown } {
  const kind = pick(["rbac", "rbac", "calls", "calls", "refund", "admission"] as const);
  if (kind === "rbac") {
    return {
      path: "httpapi/rbac/allow",
      input: {
        user: pick([
          { name: "ada", roles: ["admin"] },
          { name: "ed", roles: ["editor"] },
          { name: "vic", roles: ["viewer"] },
          { name: "nobody", roles: [] },
        ]),
        method: pick(["GET", "GET", "POST", "PUT", "DELETE"]),
      },
    };
  }
  if (kind === "calls") {
    const [caller, method, callPath] = pick([
      [spiffe("billing", "api"), "POST", "/refunds"],
      [spiffe("billing", "api"), "GET", "/refunds/r-1042"],
      [spiffe("support", "console"), "GET", "/refunds/r-77"],
      [spiffe("analytics", "exporter"), "GET", "/reports/2026/q4"],
      [spiffe("shop", "web"), "POST", "/refunds"],
      [spiffe("legacy", "batch"), "POST", "/refunds"],
    ] as const);
    return { path: "verdict/authz/decision", input: { caller, service: "payments", method, path: callPath } };
  }
  if (kind === "refund") {
    const hour = pick([9, 11, 14, 16, 20]);
    return {
      path: "payments/authz/allow",
      input: {
        action: "refund",
        amount: pick([25, 120, 480, 1500, 9000]),
        subject: pick([
          { team: "payments", roles: [] },
          { team: "finance", roles: ["manager"] },
          { team: "sales", roles: [] },
        ]),
        time: `2026-12-07T${String(hour).padStart(2, "0")}:15:00Z`,
      },
    };
  }
  return {
    path: "kubernetes/admission/deny",
    input: {
      request: {
        kind: { kind: "Pod" },
        object: {
          spec: {
            containers: [
              pick([
                { name: "api", image: "registry.example.com/payments/api:3.2" },
                { name: "debug", image: "docker.io/busybox", securityContext: { privileged: true } },
                { name: "web", image: "ghcr.io/example/web:1.9" },
              ]),
            ],
          },
        },
      },
    },
  };
}

/** Shutting the server down stops the demo agent with it. */
export function stopDemoAgentOnExit(): void {
  process.once("exit", () => {
    const running = holder.__verdictDemoAgent;
    if (running && running.child.exitCode === null) running.child.kill("SIGKILL");
    if (running) rmSync(running.dir, { recursive: true, force: true });
  });
}
