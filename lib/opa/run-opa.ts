import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { opaBinary } from "@/lib/opa/opa-binary";

export type OpaRunResult = { exitCode: number; stdout: string; stderr: string; durationMs: number };

export class OpaTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`opa did not finish within ${timeoutMs} ms`);
    this.name = "OpaTimeoutError";
  }
}

export class OpaOutputLimitError extends Error {
  constructor(readonly limitBytes: number) {
    super(`opa wrote more than ${limitBytes} bytes of output`);
    this.name = "OpaOutputLimitError";
  }
}

export type RunOpaOptions = { stdin?: string; timeoutMs?: number; maxOutputBytes?: number; cwd?: string };

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024;

/** Runs the pinned opa binary: no shell, bounded time and output, killed on either limit. */
export function runOpa(args: string[], options: RunOpaOptions = {}): Promise<OpaRunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(opaBinary(), args, { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"], shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | null = null;
    const stop = (error: Error) => {
      if (!failure) failure = error;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => stop(new OpaTimeoutError(timeoutMs)), timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) return stop(new OpaOutputLimitError(maxOutput));
      into.push(chunk);
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      resolve({
        exitCode: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        durationMs: performance.now() - started,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.stdin ?? "");
  });
}

export type WorkspaceFile = { path: string; content: string | Buffer };

/** Writes files into a fresh temp dir, runs fn with its path, and always removes it. */
export async function withWorkspace<T>(files: WorkspaceFile[], fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "verdict-opa-"));
  try {
    for (const file of files) await writeWorkspaceFile(dir, file);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Adds or replaces one file inside a workspace (never outside it). */
export async function writeWorkspaceFile(dir: string, file: WorkspaceFile): Promise<void> {
  const target = insideWorkspace(dir, file.path);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, file.content);
}

export async function removeWorkspaceFile(dir: string, relativePath: string): Promise<void> {
  await rm(insideWorkspace(dir, relativePath), { force: true });
}

function insideWorkspace(dir: string, relativePath: string): string {
  const target = path.resolve(dir, relativePath);
  if (!target.startsWith(dir + path.sep)) throw new Error(`refusing to write outside the workspace: ${relativePath}`);
  return target;
}
