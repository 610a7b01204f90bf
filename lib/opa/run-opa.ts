import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { spawnBounded } from "@/lib/core/bounded-spawn";
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
export async function runOpa(args: string[], options: RunOpaOptions = {}): Promise<OpaRunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const run = await spawnBounded(opaBinary(), args, {
    cwd: options.cwd,
    stdin: options.stdin,
    timeoutMs,
    maxOutputBytes: maxOutput,
    timedOut: () => new OpaTimeoutError(timeoutMs),
    tooMuchOutput: () => new OpaOutputLimitError(maxOutput),
  });
  return {
    exitCode: run.exitCode,
    stdout: run.stdout.toString("utf8"),
    stderr: run.stderr.toString("utf8"),
    durationMs: run.durationMs,
  };
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
