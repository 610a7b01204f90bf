import { existsSync } from "node:fs";
import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { policyFilePath } from "@/lib/rego/policy-module";
import { mirrorDir, readTree } from "@/lib/git-sync/git-mirror";
import { filesInScope } from "@/lib/git-sync/sync-git-link";
import { describeGitError } from "@/lib/git-sync/sync-git-link";
import { toGitLinkView, type GitLinkView } from "@/lib/git-sync/git-link-view";

export type GitLinkCommitView = {
  sha: string;
  direction: "inbound" | "outbound";
  author: { name: string; email: string };
  message: string;
  at: string;
  changeRequest: { number: number; title: string; status: string } | null;
  versions: Array<{ packagePath: string; number: number }>;
};

/** A policy whose content differs between Verdict's head and the tree at the last fetched commit. */
export type DriftEntry = { packagePath: string; file: string; kind: "only_in_verdict" | "only_in_git" | "differs" };

export type GitLinkStatus = {
  link: GitLinkView;
  commits: GitLinkCommitView[];
  drift: DriftEntry[] | null;
  driftError: string | null;
};

export async function listGitLinks(options: { actor: Actor }): Promise<GitLinkView[]> {
  requirePermission(options.actor, "bundle:manage");
  return (await db.gitLink.findMany({ orderBy: { name: "asc" } })).map(toGitLinkView);
}

/** The link page: state, the commits it took in or pushed (and the versions they became), and drift. */
export async function getGitLinkStatus(options: { actor: Actor; id: string }): Promise<GitLinkStatus> {
  requirePermission(options.actor, "bundle:manage");
  const link = await db.gitLink.findUnique({ where: { id: options.id } });
  if (!link) throw notFound("Git link");
  const commits = await db.gitLinkCommit.findMany({
    where: { linkId: link.id },
    orderBy: { createdAt: "desc" },
    take: 100,
    include: {
      changeRequest: {
        select: {
          number: true,
          title: true,
          status: true,
          items: { select: { policyVersion: { select: { number: true, policy: { select: { packagePath: true } } } } } },
        },
      },
    },
  });
  let drift: DriftEntry[] | null = null;
  let driftError: string | null = null;
  if (link.lastFetchedSha && existsSync(mirrorDir(link.id))) {
    try {
      drift = await computeDrift(link.id, link.lastFetchedSha, link.path, link.packageRoot);
    } catch (error) {
      driftError = describeGitError(error);
    }
  }
  return {
    link: toGitLinkView(link),
    commits: commits.map((c) => ({
      sha: c.sha,
      direction: c.direction,
      author: { name: c.authorName, email: c.authorEmail },
      message: c.message,
      at: c.createdAt.toISOString(),
      changeRequest: c.changeRequest
        ? { number: c.changeRequest.number, title: c.changeRequest.title, status: c.changeRequest.status }
        : null,
      versions: (c.changeRequest?.items ?? [])
        .filter((i) => i.policyVersion)
        .map((i) => ({ packagePath: i.policyVersion!.policy.packagePath, number: i.policyVersion!.number })),
    })),
    drift,
    driftError,
  };
}

/** Compares the tree at the last fetched commit with the head version of every policy the link covers. */
export async function computeDrift(
  linkId: string,
  sha: string,
  path: string,
  packageRoot: string,
): Promise<DriftEntry[]> {
  const files = filesInScope(await readTree(mirrorDir(linkId), sha, path), packageRoot);
  const policies = await db.policy.findMany({
    where: packageRoot
      ? { OR: [{ packagePath: packageRoot }, { packagePath: { startsWith: `${packageRoot}.` } }] }
      : {},
    select: {
      packagePath: true,
      headNumber: true,
      versions: { orderBy: { number: "desc" }, take: 1, select: { source: true } },
    },
  });
  const drift: DriftEntry[] = [];
  const seen = new Set<string>();
  for (const p of policies) {
    const file = policyFilePath(p.packagePath);
    seen.add(file);
    const inGit = files.get(file);
    if (inGit === undefined) drift.push({ packagePath: p.packagePath, file, kind: "only_in_verdict" });
    else if (inGit !== p.versions[0]?.source) drift.push({ packagePath: p.packagePath, file, kind: "differs" });
  }
  for (const file of files.keys()) {
    if (!file.endsWith("policy.rego") || seen.has(file)) continue;
    drift.push({ packagePath: file.split("/").slice(0, -1).join("."), file, kind: "only_in_git" });
  }
  return drift.sort((a, b) => a.file.localeCompare(b.file));
}
