import type { GitLink } from "@/lib/generated/prisma/client";

/** What the API shows of a link: never the token, deploy key or webhook secret. */
export type GitLinkView = {
  id: string;
  name: string;
  remoteUrl: string;
  branch: string;
  path: string;
  packageRoot: string;
  authKind: GitLink["authKind"];
  pollIntervalSeconds: number | null;
  pushEnabled: boolean;
  state: GitLink["state"];
  lastFetchedSha: string | null;
  lastFetchedAt: string | null;
  remoteHeadSha: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  conflict: unknown;
  createdAt: string;
};

export function toGitLinkView(l: GitLink): GitLinkView {
  return {
    id: l.id,
    name: l.name,
    remoteUrl: l.remoteUrl,
    branch: l.branch,
    path: l.path,
    packageRoot: l.packageRoot,
    authKind: l.authKind,
    pollIntervalSeconds: l.pollIntervalSeconds,
    pushEnabled: l.pushEnabled,
    state: l.state,
    lastFetchedSha: l.lastFetchedSha,
    lastFetchedAt: l.lastFetchedAt?.toISOString() ?? null,
    remoteHeadSha: l.remoteHeadSha,
    lastError: l.lastError,
    lastErrorAt: l.lastErrorAt?.toISOString() ?? null,
    conflict: l.conflict ?? null,
    createdAt: l.createdAt.toISOString(),
  };
}

/** What was set, for the audit trail: which kind of credential, never its value. */
export const auditedLink = (l: GitLink) => {
  const { name, remoteUrl, branch, path, packageRoot, authKind, pollIntervalSeconds, pushEnabled } = toGitLinkView(l);
  return { name, remoteUrl, branch, path, packageRoot, authKind, pollIntervalSeconds, pushEnabled };
};
