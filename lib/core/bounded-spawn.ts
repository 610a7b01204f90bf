import { spawn } from "node:child_process";

export type BoundedRun = { exitCode: number; stdout: Buffer; stderr: Buffer; durationMs: number };

export type BoundedSpawnOptions = {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdin?: string | Buffer;
  timeoutMs: number;
  maxOutputBytes: number;
  /** The error a run that passes its time limit fails with. */
  timedOut: () => Error;
  /** The error a run that writes more than maxOutputBytes (stdout and stderr together) fails with. */
  tooMuchOutput: () => Error;
};

/** Runs a program without a shell, with bounded time and output, killed (SIGKILL) on either limit. */
export function spawnBounded(command: string, args: string[], options: BoundedSpawnOptions): Promise<BoundedRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | null = null;
    const stop = (error: Error) => {
      failure ??= error;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => stop(options.timedOut()), options.timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxOutputBytes) return stop(options.tooMuchOutput());
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
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        durationMs: performance.now() - started,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.stdin ?? "");
  });
}
