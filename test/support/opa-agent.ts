import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { freePort } from "@/lib/core/free-port";

export type OpaAgent = {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  /** POST /v1/data/<path> with input; the `result` member (undefined when the decision is undefined). */
  decide: (dataPath: string, input: unknown) => Promise<unknown>;
  /** The revision of a bundle the agent has activated, or null. */
  activeRevision: (bundle: string) => Promise<string | null>;
  /** The agent's own view of a bundle: code, message, http_code, errors (from GET /v1/status). */
  bundleStatus: (bundle: string) => Promise<Record<string, unknown> | null>;
  stop: () => Promise<void>;
};

// OPA's own logs (debug level, for diagnosing a failed test) stay apart from the app logs that
// the secret scan checks: they are not written by Verdict.
const AGENT_LOG_DIR = path.join(process.cwd(), "test-results", "agent-logs");

type ConfigTweak = (config: Record<string, any>) => void;

/**
 * A real `opa run -s` on a free port with the given YAML config (as Verdict generates it),
 * optionally adjusted (faster polling in tests, a CA for TLS). Stopped by its own handle.
 */
export async function startOpaAgent(options: {
  name: string;
  config: string;
  tweak?: ConfigTweak;
  instance?: string;
  /** Extra environment for the agent (e.g. the read-only keys an S3 service signs with). */
  env?: Record<string, string>;
}): Promise<OpaAgent> {
  const opaBin = process.env.OPA_BIN!;
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), `verdict-agent-${options.name}-`));
  const config = parse(options.config) as Record<string, any>;
  options.tweak?.(config);
  const configFile = path.join(dir, "opa.yaml");
  writeFileSync(configFile, stringify(config, { lineWidth: 0 }));
  mkdirSync(AGENT_LOG_DIR, { recursive: true });
  const logFile = path.join(AGENT_LOG_DIR, `opa-${options.name}-${port}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const child: ChildProcess = spawn(
    opaBin,
    [
      "run",
      "-s",
      "--addr",
      `127.0.0.1:${port}`,
      "-c",
      configFile,
      "--skip-version-check",
      "--log-level",
      "debug",
      "--log-format",
      "json",
      "--set",
      `labels.instance=${options.instance ?? options.name}`,
      "--shutdown-grace-period",
      "1",
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitForServer(url, child);
  const status = async () =>
    (
      (await (await fetch(`${url}/v1/status`)).json()) as {
        result?: { bundles?: Record<string, Record<string, unknown>> };
      }
    ).result;
  return {
    name: options.name,
    url,
    pid: child.pid!,
    logFile,
    decide: async (dataPath, input) => {
      const res = await fetch(`${url}/v1/data/${dataPath}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input }),
      });
      return ((await res.json()) as { result?: unknown }).result;
    },
    activeRevision: async (bundle) => {
      const res = await fetch(`${url}/v1/data/system/bundles/${bundle}/manifest/revision`);
      return ((await res.json()) as { result?: string }).result ?? null;
    },
    bundleStatus: async (bundle) => (await status())?.bundles?.[bundle] ?? null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForServer(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`opa exited with code ${child.exitCode} during start-up`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`opa at ${url} did not start within ${timeoutMs} ms`);
}

/** Faster polling for tests: retries within 1–2 s instead of 10–20 s. */
export function fastPolling(longPollSeconds = 30): ConfigTweak {
  return (config) => {
    for (const bundle of Object.values(config.bundles ?? {}) as Array<Record<string, any>>) {
      bundle.polling = { min_delay_seconds: 1, max_delay_seconds: 2, long_polling_timeout_seconds: longPollSeconds };
    }
  };
}
