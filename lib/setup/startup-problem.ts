/**
 * Why `npm start` cannot go on, said in one line with what to do about it. Start-up code throws a
 * StartupProblem where it knows the cause; `describeStartupFailure` turns anything else that
 * reaches the top of scripts/start.ts into one line too (never a stack trace).
 */
export type StartupProblemKind =
  | "port-in-use"
  | "opa-unavailable"
  | "disk-full"
  | "data-dir-unusable"
  | "postgres-failed"
  | "build-failed";

export class StartupProblem extends Error {
  constructor(
    readonly kind: StartupProblemKind,
    /** What is wrong, e.g. "port 3000 is already in use". */
    readonly reason: string,
    /** What the person starting Verdict can do about it. */
    readonly fix: string,
  ) {
    super(`${reason}; ${fix}`);
    this.name = "StartupProblem";
  }
}

type SystemError = Error & { code?: unknown; path?: unknown; cause?: unknown };

const DISK_FULL = /no space left on device|ENOSPC|disk full/i;

/** The StartupProblem an error stands for, when its cause is one we can name. */
export function asStartupProblem(error: unknown): StartupProblem | null {
  if (error instanceof StartupProblem) return error;
  const e = error as SystemError | null;
  if (!e || typeof e !== "object") return null;
  // PostgreSQL reports a full disk as SQLSTATE 53100; Node as ENOSPC; child processes in their message.
  if (e.code === "ENOSPC" || e.code === "53100" || DISK_FULL.test(String(e.message ?? ""))) {
    const where = typeof e.path === "string" ? ` (writing ${e.path})` : "";
    return new StartupProblem(
      "disk-full",
      `the disk is full${where}`,
      "free some space (df -h shows where) and run npm start again",
    );
  }
  if (e.code === "EADDRINUSE") {
    return new StartupProblem(
      "port-in-use",
      "a port Verdict needs is already in use",
      "stop what is using it, or set PORT to a free port",
    );
  }
  if (e.cause) return asStartupProblem(e.cause);
  return null;
}

/** One line, prefixed `verdict:`, for any error that stops start-up. */
export function describeStartupFailure(error: unknown): string {
  const problem = asStartupProblem(error);
  if (problem) return `verdict: cannot start: ${problem.message}`;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n").find((line) => line.trim()) ?? "unknown error";
  return `verdict: start-up failed: ${firstLine.trim()} (set VERDICT_DEBUG=1 for details)`;
}
