import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/lib/core/free-port";

export type LoadResult = { requestsPerSecond: number; p99Ms: number; non2xx: number };

/** How long each wrk run lasts unless told: 8 s, or BENCH_WRK_SECONDS (a smoke run). */
export function wrkSeconds(): number {
  return Number(process.env.BENCH_WRK_SECONDS) || 8;
}

/** wrk against one URL: throughput and p99 latency (from --latency), plus how many answers were not 2xx/3xx. */
export function runWrk(
  url: string,
  options: { headers?: Record<string, string>; seconds?: number; connections?: number },
): LoadResult {
  const args = [
    "-t",
    String(Math.min(2, options.connections ?? 32)),
    "-c",
    String(options.connections ?? 32),
    "-d",
    `${options.seconds ?? wrkSeconds()}s`,
    "--latency",
  ];
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push("-H", `${k}: ${v}`);
  args.push(url);
  const result = spawnSync("wrk", args, { encoding: "utf8", timeout: 120_000 });
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.stdout}`);
  const out = result.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(rps) || !p99) throw new Error(`unexpected wrk output:\n${out}`);
  const scale = p99[2] === "us" ? 0.001 : p99[2] === "s" ? 1000 : 1;
  return { requestsPerSecond: rps, p99Ms: Number(p99[1]) * scale, non2xx };
}

export type Nginx = { url: string; stop: () => Promise<void> };

/**
 * nginx (one worker, like the single Node process it is compared with) serving the same tarball
 * with the same ETag, Content-Type, If-None-Match → 304 behaviour and `headers` (Verdict's
 * security headers) as Verdict's bundle endpoint: the same response, byte for byte but Date and Server.
 */
export async function startNginx(bytes: Buffer, etag: string, headers: Record<string, string>): Promise<Nginx> {
  const prefix = mkdtempSync(path.join(os.tmpdir(), "verdict-bench-nginx-"));
  mkdirSync(path.join(prefix, "www"), { recursive: true });
  mkdirSync(path.join(prefix, "logs"), { recursive: true });
  writeFileSync(path.join(prefix, "www", "bundle.tar.gz"), bytes);
  const port = await freePort();
  const conf = `
worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp_body; proxy_temp_path ${prefix}/tmp_proxy; fastcgi_temp_path ${prefix}/tmp_fcgi; uwsgi_temp_path ${prefix}/tmp_uwsgi; scgi_temp_path ${prefix}/tmp_scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location = /bundle {
      etag off;
      if_modified_since off;
      default_type application/vnd.openpolicyagent.bundles;
      add_header ETag '${etag}' always;
${Object.entries(headers)
  .map(([name, value]) => `      add_header ${name} "${value}" always;`)
  .join("\n")}
      if ($http_if_none_match = '${etag}') { return 304; }
      alias ${prefix}/www/bundle.tar.gz;
    }
  }
}`;
  writeFileSync(path.join(prefix, "nginx.conf"), conf);
  const child: ChildProcess = spawn(
    "nginx",
    ["-p", prefix, "-c", path.join(prefix, "nginx.conf"), "-g", "daemon off;"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}/bundle`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGQUIT");
      await exited;
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** bench/node-floor-server.mjs on a free port: Node's own HTTP server answering the same 304/200, nothing else. */
export async function startNodeFloor(bytes: Buffer, etag: string, headers: Record<string, string>): Promise<Nginx> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-bench-node-floor-"));
  const file = path.join(dir, "bundle.tar.gz");
  writeFileSync(file, bytes);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [path.join(process.cwd(), "bench", "node-floor-server.mjs"), String(port), etag, file, JSON.stringify(headers)],
    {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`the Node floor server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}/bundle`,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
