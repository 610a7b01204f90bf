import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { stringify } from "yaml";
import { freePort } from "@/lib/core/free-port";
import { goToolPath, goToolReady, type GoTool } from "./go-tools";

export type LocalServer = { url: string; dir: string; pid: number; stop: () => Promise<void> };

const LOG_DIR = path.join(process.cwd(), "test-results", "distribution-servers");

function requireTool(tool: GoTool): string {
  if (!goToolReady(tool))
    throw new Error(`${tool} is not built in .tools/bin: the test setup builds it with Go (is Go installed?)`);
  return goToolPath(tool);
}

async function launch(options: {
  tool: GoTool;
  args: string[];
  env?: Record<string, string>;
  dir: string;
  port: number;
  ready: (url: string) => Promise<boolean>;
}): Promise<LocalServer> {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(path.join(LOG_DIR, `${options.tool}-${options.port}.log`), { flags: "a" });
  const child: ChildProcess = spawn(requireTool(options.tool), options.args, {
    cwd: options.dir,
    env: { ...process.env, HOME: options.dir, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.tool} exited with code ${child.exitCode} during start-up`);
    if (await options.ready(url).catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.tool} did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dir: options.dir,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}

/** The CNCF distribution registry on a free loopback port, filesystem storage in a temp dir, htpasswd auth. */
export async function startRegistry(options: { username: string; password: string }): Promise<LocalServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-registry-"));
  const port = await freePort();
  const htpasswd = path.join(dir, "htpasswd");
  writeFileSync(htpasswd, `${options.username}:${bcrypt.hashSync(options.password, 10)}\n`);
  const config = path.join(dir, "config.yml");
  writeFileSync(
    config,
    stringify({
      version: 0.1,
      log: { level: "warn", accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: path.join(dir, "data") }, delete: { enabled: true } },
      http: { addr: `127.0.0.1:${port}` },
      auth: { htpasswd: { realm: "verdict-test", path: htpasswd } },
    }),
  );
  return launch({
    tool: "registry",
    args: ["serve", config],
    dir,
    port,
    // GET /v2/ answers 401 with a challenge once the registry is up.
    ready: async (url) => [200, 401].includes((await fetch(`${url}/v2/`)).status),
  });
}

/** versitygw with its posix backend over a temp dir; each bucket is a directory made up front. */
export async function startS3Gateway(options: {
  accessKeyId: string;
  secretAccessKey: string;
  buckets: string[];
}): Promise<LocalServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-s3-"));
  const root = path.join(dir, "root");
  for (const bucket of options.buckets) mkdirSync(path.join(root, bucket), { recursive: true });
  const port = await freePort();
  return launch({
    tool: "versitygw",
    args: ["--port", `127.0.0.1:${port}`, "posix", root],
    // Through the environment, not argv, so the root secret is not visible in ps.
    env: { ROOT_ACCESS_KEY_ID: options.accessKeyId, ROOT_SECRET_ACCESS_KEY: options.secretAccessKey },
    dir,
    port,
    ready: async (url) => (await fetch(url)).status > 0,
  });
}
