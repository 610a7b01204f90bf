import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { SSH_PATHS } from "./prerequisites";

export const SSHD_PATH = SSH_PATHS.sshd;

export type SshKeyPair = { privateKey: string; publicKey: string };

export type SshGitServer = {
  /** `ssh://user@127.0.0.1:port/<abs path>` for a bare repository under the server's root. */
  url: (bareRepository: string) => string;
  port: number;
  /** The login the server accepts (the user running the tests: an unprivileged sshd serves only its own user). */
  user: string;
  /** Replaces the keys accepted (the AuthorizedKeysFile is read on every login). */
  authorize: (publicKeys: string[]) => void;
  /** sshd's own log (`-e`): what the server saw, for assertions that no secret reached it. */
  log: () => string;
  stop: () => Promise<void>;
};

/** A fresh ed25519 key pair from the real ssh-keygen. */
export function generateSshKey(comment = "verdict-test"): SshKeyPair {
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-sshkey-"));
  try {
    const file = path.join(dir, "key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
    return { privateKey: readFileSync(file, "utf8"), publicKey: readFileSync(`${file}.pub`, "utf8").trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The real OpenSSH `sshd` as a child process on a free loopback port, with its own host key,
 * config and authorized keys file, where every login runs `git-shell` (so a key can fetch and
 * push, and nothing else). `hostKey` keeps a host key across restarts; a new one is made otherwise.
 */
export async function startSshGitServer(options: { hostKey?: string; port?: number } = {}): Promise<SshGitServer> {
  // sshd run by root needs its privilege separation directory (made by the service on a normal
  // host, missing in a container); an unprivileged sshd needs none.
  if (process.getuid?.() === 0 && !existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755 });
  const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-sshd-"));
  const hostKey = path.join(dir, "host_ed25519");
  if (options.hostKey) writeFileSync(hostKey, options.hostKey, { mode: 0o600 });
  else execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  const authorized = path.join(dir, "authorized_keys");
  writeFileSync(authorized, "", { mode: 0o600 });
  const port = options.port ?? (await freePort());
  const config = path.join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      "PidFile none",
      `AuthorizedKeysFile ${authorized}`,
      "StrictModes no",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "AllowTcpForwarding no",
      "X11Forwarding no",
      "PermitTTY no",
      "LogLevel VERBOSE",
      'ForceCommand /usr/bin/git-shell -c "$SSH_ORIGINAL_COMMAND"',
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(SSHD_PATH, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    log += chunk.toString("utf8");
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start: ${log}`)), 10_000);
    const check = () => {
      if (/Server listening on 127\.0\.0\.1 port/.test(log)) {
        clearTimeout(timer);
        child.stderr!.off("data", check);
        resolve();
      }
    };
    child.stderr!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited (${code}): ${log}`));
    });
  });
  const user = os.userInfo().username;
  return {
    port,
    user,
    url: (bare) => `ssh://${user}@127.0.0.1:${port}${path.resolve(bare)}`,
    authorize: (keys) => writeFileSync(authorized, keys.map((k) => `${k.trim()}\n`).join("")),
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(child.pid, "SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
