import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { env } from "@/lib/core/env";
import { AppError } from "@/lib/core/errors";
import { formatBytes } from "@/lib/core/read-body";
import { GitCommandError, runGit, type GitCredential } from "@/lib/git-sync/run-git";

/** Limits on what a link reads from a remote; over any of them the fetch fails with nothing applied. */
export const GIT_LIMITS = {
  /** Packed size of the whole mirror. */
  repositoryBytes: 64 * 1024 * 1024,
  /** Any one file under the linked path (Rego modules themselves are limited to 1 MiB). */
  fileBytes: 2 * 1024 * 1024,
  /** All files under the linked path together. */
  treeBytes: 16 * 1024 * 1024,
  files: 2_000,
};

export type Remote = { url: string; branch: string; credential: GitCredential };

export type CommitInfo = { sha: string; authorName: string; authorEmail: string; message: string };

const FETCHED_REF = "refs/verdict/fetched";
const APPLIED_REF = "refs/verdict/applied";

/** A bare repository per link under the data dir: a cache, removed and made again at will. */
export function mirrorDir(linkId: string): string {
  return path.resolve(env().VERDICT_DATA_DIR, "git-mirrors", linkId);
}

export async function ensureMirror(linkId: string): Promise<string> {
  const dir = mirrorDir(linkId);
  if (!existsSync(path.join(dir, "HEAD"))) {
    await mkdir(dir, { recursive: true });
    await runGit(dir, ["init", "--bare", "--quiet", "."]);
    await runGit(dir, ["config", "gc.auto", "0"]);
  }
  return dir;
}

export async function removeMirror(linkId: string): Promise<void> {
  await rm(mirrorDir(linkId), { recursive: true, force: true });
}

const knownHosts = (dir: string) => path.join(dir, "known_hosts");

/** The remote branch's head, or null when the branch does not exist (deleted). */
export async function remoteHead(dir: string, remote: Remote): Promise<string | null> {
  const { stdout } = await runGit(dir, ["ls-remote", "--heads", "--", remote.url, `refs/heads/${remote.branch}`], {
    credential: remote.credential,
    knownHostsFile: knownHosts(dir),
  });
  const line = stdout
    .toString("utf8")
    .split("\n")
    .find((l) => l.endsWith(`\trefs/heads/${remote.branch}`));
  return line ? line.split("\t")[0]! : null;
}

export type GitLimits = typeof GIT_LIMITS;

/**
 * Fetches the branch into the mirror and checks the mirror's size; returns the fetched head. A
 * fetch that takes the mirror over the limit is undone (its packs deleted, the fetched ref put
 * back), so a refused repository costs no disk and leaves the mirror as it was.
 */
export async function fetchBranch(
  dir: string,
  remote: Remote,
  limits: Pick<GitLimits, "repositoryBytes"> = GIT_LIMITS,
): Promise<string> {
  const packDir = path.join(dir, "objects", "pack");
  const packsBefore = new Set(await packNames(packDir));
  const fetchedBefore = await revParse(dir, FETCHED_REF).catch(() => "");
  await runGit(
    dir,
    [
      // Keep what a fetch brings as its own pack (never exploded into loose objects), so that a
      // refused fetch can be undone by deleting it.
      "-c",
      "fetch.unpackLimit=1",
      "-c",
      "transfer.unpackLimit=1",
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-recurse-submodules",
      "--",
      remote.url,
      `+refs/heads/${remote.branch}:${FETCHED_REF}`,
    ],
    { credential: remote.credential, knownHostsFile: knownHosts(dir), timeoutMs: 120_000 },
  );
  const { stdout } = await runGit(dir, ["count-objects", "-v"]);
  const stats = Object.fromEntries(
    stdout
      .toString("utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(": ") as [string, string]),
  );
  const bytes = (Number(stats["size-pack"] ?? 0) + Number(stats.size ?? 0)) * 1024;
  if (bytes > limits.repositoryBytes) {
    if (fetchedBefore) await runGit(dir, ["update-ref", FETCHED_REF, fetchedBefore]);
    else await runGit(dir, ["update-ref", "-d", FETCHED_REF]);
    const added = (await packNames(packDir)).filter((name) => !packsBefore.has(name));
    const files = await readdir(packDir);
    await Promise.all(
      files
        .filter((file) => added.some((name) => file.startsWith(`${name}.`)))
        .map((file) => rm(path.join(packDir, file), { force: true })),
    );
    throw new AppError(
      "unprocessable",
      `The repository is larger than ${formatBytes(limits.repositoryBytes)} packed; nothing was applied (link a smaller repository)`,
    );
  }
  return revParse(dir, FETCHED_REF);
}

async function packNames(packDir: string): Promise<string[]> {
  const files = await readdir(packDir).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith(".pack")).map((f) => f.slice(0, -".pack".length));
}

/** The head of the last fetch kept in the mirror, or null before the first. */
export async function fetchedHead(dir: string): Promise<string | null> {
  return (await revParse(dir, FETCHED_REF).catch(() => "")) || null;
}

export async function revParse(dir: string, ref: string): Promise<string> {
  const { stdout } = await runGit(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return stdout.toString("utf8").trim();
}

/** Keeps the last applied commit reachable in the mirror (a force-push must not lose it). */
export async function markApplied(dir: string, sha: string): Promise<void> {
  await runGit(dir, ["update-ref", APPLIED_REF, sha]);
}

export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await runGit(dir, ["merge-base", "--is-ancestor", ancestor, descendant]);
    return true;
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1) return false;
    throw error;
  }
}

export async function hasCommit(dir: string, sha: string): Promise<boolean> {
  try {
    await runGit(dir, ["cat-file", "-e", `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/** The commits from `from` (exclusive) to `to`, oldest first, along the first-parent line. */
export async function commitsBetween(dir: string, from: string, to: string): Promise<string[]> {
  const { stdout } = await runGit(dir, ["rev-list", "--reverse", "--first-parent", `${from}..${to}`]);
  return stdout.toString("utf8").split("\n").filter(Boolean);
}

export async function commitInfo(dir: string, sha: string): Promise<CommitInfo> {
  const { stdout } = await runGit(dir, ["log", "-1", "--format=%H%x00%an%x00%ae%x00%B", sha]);
  const [full, authorName, authorEmail, message] = stdout.toString("utf8").split("\0") as [
    string,
    string,
    string,
    string,
  ];
  return { sha: full, authorName, authorEmail: authorEmail.toLowerCase(), message: message.trim() };
}

/** Whether a commit changes anything under `prefix` compared with its first parent. */
export async function touchesPath(dir: string, sha: string, prefix: string): Promise<boolean> {
  const { stdout } = await runGit(dir, [
    "diff-tree",
    "--no-commit-id",
    "--name-only",
    "-r",
    "--root",
    "-m",
    "--first-parent",
    sha,
    "--",
    prefix || ".",
  ]);
  return stdout.toString("utf8").trim().length > 0;
}

/**
 * The files under `prefix` at a commit, keyed by their path below it. Refuses (with nothing
 * read) symlinks, submodules and files over the limits: the tree is read from the object store,
 * never checked out, so nothing in it can reach outside it.
 */
export async function readTree(dir: string, sha: string, prefix: string): Promise<Map<string, string>> {
  const args = ["ls-tree", "-r", "-l", "-z", "--full-tree", sha];
  if (prefix) args.push("--", `${prefix}/`);
  const { stdout } = await runGit(dir, args);
  const entries = stdout
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode, type, object, size] = line.slice(0, tab).split(/\s+/) as [string, string, string, string];
      return { mode, type, object, size: Number(size), path: line.slice(tab + 1) };
    });
  if (entries.length > GIT_LIMITS.files)
    throw new AppError("unprocessable", `More than ${GIT_LIMITS.files} files under the linked path`);
  let total = 0;
  for (const e of entries) {
    if (e.type === "commit") throw new AppError("unprocessable", `${e.path} is a submodule; submodules are not read`);
    if (e.mode === "120000") throw new AppError("unprocessable", `${e.path} is a symbolic link; links are not read`);
    if (e.size > GIT_LIMITS.fileBytes)
      throw new AppError(
        "unprocessable",
        `${e.path} is ${Math.round(e.size / 1024 / 1024)} MiB, over the ${GIT_LIMITS.fileBytes / 1024 / 1024} MiB limit per file`,
      );
    total += e.size;
  }
  if (total > GIT_LIMITS.treeBytes)
    throw new AppError("unprocessable", `The linked path holds more than ${GIT_LIMITS.treeBytes / 1024 / 1024} MiB`);
  const files = new Map<string, string>();
  if (entries.length === 0) return files;
  const { stdout: batch } = await runGit(dir, ["cat-file", "--batch"], {
    stdin: `${entries.map((e) => e.object).join("\n")}\n`,
  });
  let at = 0;
  for (const e of entries) {
    const headerEnd = batch.indexOf(0x0a, at);
    const size = Number(batch.subarray(at, headerEnd).toString("utf8").split(" ")[2]);
    const content = batch.subarray(headerEnd + 1, headerEnd + 1 + size);
    at = headerEnd + 1 + size + 1;
    const relative = prefix ? e.path.slice(prefix.length + 1) : e.path;
    files.set(relative, content.toString("utf8"));
  }
  return files;
}

/**
 * Writes a commit on top of `parent` that sets the given files (path → content, relative to the
 * repository root), without a worktree; returns its SHA. Author and committer come from `people`.
 */
export async function writeCommit(
  dir: string,
  options: {
    parent: string;
    files: Map<string, string>;
    message: string;
    author: { name: string; email: string };
    committer: { name: string; email: string };
  },
): Promise<string> {
  const indexEnv = { GIT_INDEX_FILE: path.join(dir, `index-${process.pid}-${Date.now()}`) };
  try {
    await runGit(dir, ["read-tree", options.parent], { env: indexEnv });
    for (const [file, content] of options.files) {
      const { stdout } = await runGit(dir, ["hash-object", "-w", "--stdin"], { stdin: content });
      await runGit(dir, ["update-index", "--add", "--cacheinfo", `100644,${stdout.toString("utf8").trim()},${file}`], {
        env: indexEnv,
      });
    }
    const tree = (await runGit(dir, ["write-tree"], { env: indexEnv })).stdout.toString("utf8").trim();
    const people = {
      GIT_AUTHOR_NAME: options.author.name,
      GIT_AUTHOR_EMAIL: options.author.email,
      GIT_COMMITTER_NAME: options.committer.name,
      GIT_COMMITTER_EMAIL: options.committer.email,
    };
    const { stdout } = await runGit(dir, ["commit-tree", tree, "-p", options.parent, "-F", "-"], {
      env: people,
      stdin: options.message,
    });
    return stdout.toString("utf8").trim();
  } finally {
    await rm(indexEnv.GIT_INDEX_FILE, { force: true });
  }
}

export type PushOutcome = { pushed: true } | { pushed: false; reason: string };

/** Pushes a commit to the branch as a fast-forward only: a remote that moved refuses it. */
export async function pushCommit(dir: string, remote: Remote, sha: string, pendingRef: string): Promise<PushOutcome> {
  await runGit(dir, ["update-ref", pendingRef, sha]);
  try {
    await runGit(dir, ["push", "--", remote.url, `${sha}:refs/heads/${remote.branch}`], {
      credential: remote.credential,
      knownHostsFile: knownHosts(dir),
    });
    await runGit(dir, ["update-ref", "-d", pendingRef]);
    return { pushed: true };
  } catch (error) {
    if (error instanceof GitCommandError && /rejected|non-fast-forward|fetch first/.test(error.stderr))
      return { pushed: false, reason: "the remote branch moved since the last fetch" };
    throw error;
  }
}
