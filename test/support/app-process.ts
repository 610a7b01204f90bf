import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import { freePort } from "@/lib/core/free-port";

export type AppInstance = {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  logFile: string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
};

export const LOG_DIR = path.join(process.cwd(), "test-results", "logs");

/** Starts the built app (server.mjs, as `npm start` runs it) on a free port and waits until /api/health answers 200. */
export async function startAppInstance(
  env: Record<string, string>,
  options: { name?: string; port?: number } = {},
): Promise<AppInstance> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${options.name ?? "app"}-${port}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(
    process.execPath,
    [
      // e.g. VERDICT_APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the app under a benchmark
      ...(process.env.VERDICT_APP_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      path.join(process.cwd(), "server.mjs"),
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        LOG_LEVEL: "info",
        VERDICT_PUBLIC_URL: url,
        NEXTAUTH_URL: url,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  // Two pipes into one file: neither may end it (the first to finish would cut off the other).
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once("close", () => log.end(() => resolve())));
  await waitForHealthy(url, child);
  return {
    url,
    port,
    pid: child.pid!,
    process: child,
    logFile,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function waitForHealthy(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode} during start-up`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  child.kill("SIGKILL");
  throw new Error(`the app at ${url} did not become healthy within ${timeoutMs} ms`);
}
