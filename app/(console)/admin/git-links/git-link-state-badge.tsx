import type { GitLinkView } from "@/lib/git-sync/git-link-view";

const LABEL = {
  ok: ["badge-ok", "in sync"],
  error: ["badge-danger", "error"],
  force_pushed: ["badge-danger", "force-pushed"],
  branch_deleted: ["badge-danger", "branch deleted"],
} as const;

export function GitLinkStateBadge({ link }: { link: Pick<GitLinkView, "state" | "conflict"> }) {
  const [cls, text] = LABEL[link.state];
  return (
    <>
      <span className={`badge ${cls}`}>{text}</span>
      {link.conflict ? <span className="badge badge-danger">push conflict</span> : null}
    </>
  );
}
