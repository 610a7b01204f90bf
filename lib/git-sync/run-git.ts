import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { spawnBounded } from "@/lib/core/bounded-spawn";
import { AppError } from "@/lib/core/errors";

export type GitCredential =
  | { kind: "none" }
  | { kind: "token"; username: string; token: string }
  | { kind: "ssh_key"; privateKey: string };

export type GitResult = { stdout: Buffer; stderr: string };

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

// Only network transports: a link may never read the server's own disk (file://, local paths)
// or run a command (ext::).
const PROTOCOL_CONFIG = [
  "protocol.allow=never",
  "protocol.https.allow=always",
  "protocol.http.allow=always",
  "protocol.ssh.allow=always",
  "protocol.git.allow=always",
  "credential.helper=",
  "core.askPass=",
  "core.hooksPath=/dev/null",
  "core.symlinks=false",
  "submodule.recurse=false",
];

// The askpass program reads the token from the environment of the git process that runs it, so
// the secret is never on a command line, in a file or in a log.
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$VERDICT_GIT_USERNAME" ;;
  *) printf '%s\\n' "$VERDICT_GIT_PASSWORD" ;;
esac
`;

export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`git ${args[0]} failed (${exitCode}): ${stderr.trim().split("\n").slice(-3).join(" ").slice(0, 500)}`);
    this.name = "GitCommandError";
  }
}

/**
 * Runs the real `git` in `cwd`: no shell, no user or system config, no prompts, bounded time and
 * output. With a credential, the token goes through an askpass script and the deploy key through
 * a 0600 file in a private temp dir, both removed when git exits.
 */
export async function runGit(
  cwd: string,
  args: string[],
  options: {
    credential?: GitCredential;
    stdin?: string | Buffer;
    timeoutMs?: number;
    env?: Record<string, string>;
    knownHostsFile?: string;
  } = {},
): Promise<GitResult> {
  const credential = options.credential ?? { kind: "none" };
  const secrets = credential.kind === "none" ? null : await mkdtemp(path.join(os.tmpdir(), "verdict-git-"));
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: secrets ?? os.tmpdir(),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_ASKPASS: "/bin/false",
      SSH_ASKPASS: "/bin/false",
      LC_ALL: "C",
      ...options.env,
    };
    if (credential.kind === "token" && secrets) {
      const askpass = path.join(secrets, "askpass.sh");
      await writeFile(askpass, ASKPASS, { mode: 0o700 });
      env.GIT_ASKPASS = askpass;
      env.VERDICT_GIT_USERNAME = credential.username;
      env.VERDICT_GIT_PASSWORD = credential.token;
    }
    const knownHosts = options.knownHostsFile ?? "/dev/null";
    let ssh = `ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${shellQuote(knownHosts)}`;
    if (credential.kind === "ssh_key" && secrets) {
      const keyFile = path.join(secrets, "deploy_key");
      await writeFile(
        keyFile,
        credential.privateKey.endsWith("\n") ? credential.privateKey : `${credential.privateKey}\n`,
        {
          mode: 0o600,
        },
      );
      await chmod(keyFile, 0o600);
      ssh += ` -o IdentitiesOnly=yes -i ${shellQuote(keyFile)}`;
    }
    env.GIT_SSH_COMMAND = ssh;
    const fullArgs = [...PROTOCOL_CONFIG.flatMap((c) => ["-c", c]), ...args];
    return await spawnGit(cwd, fullArgs, args, env, options.stdin, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } finally {
    if (secrets) await rm(secrets, { recursive: true, force: true });
  }
}

async function spawnGit(
  cwd: string,
  fullArgs: string[],
  args: string[],
  env: Record<string, string>,
  stdin: string | Buffer | undefined,
  timeoutMs: number,
): Promise<GitResult> {
  const run = await spawnBounded("git", fullArgs, {
    cwd,
    env: env as NodeJS.ProcessEnv,
    stdin,
    timeoutMs,
    maxOutputBytes: MAX_OUTPUT_BYTES,
    timedOut: () => new AppError("service_unavailable", `git ${args[0]} did not finish within ${timeoutMs} ms`),
    tooMuchOutput: () => new AppError("unprocessable", `git ${args[0]} wrote too much output`),
  });
  const stderr = run.stderr.toString("utf8");
  if (run.exitCode !== 0) throw new GitCommandError(args, run.exitCode, stderr);
  return { stdout: run.stdout, stderr };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
