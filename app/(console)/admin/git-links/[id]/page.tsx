import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { getGitLinkStatus } from "@/lib/git-sync/git-link-status";
import { ZGitLinkParams } from "@/lib/git-sync/schemas";
import { orNotFound } from "../../../_components/or-not-found";
import { formatDateTime, timeAgo } from "@/components/format";
import { CardHeader, DataTable, EmptyState, PageHeader } from "@/components/ui";
import { GitLinkStateBadge } from "../git-link-state-badge";
import { GitLinkActions } from "./git-link-actions";

export const metadata: Metadata = { title: "Git link" };

const DRIFT = {
  only_in_verdict: "in Verdict, not in git",
  only_in_git: "in git, not in Verdict",
  differs: "differs",
} as const;

export default async function GitLinkPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageActor("bundle:manage");
  const parsed = ZGitLinkParams.safeParse(await params);
  if (!parsed.success) notFound();
  const { link, commits, drift, driftError } = await orNotFound(getGitLinkStatus({ actor, id: parsed.data.id }));
  const conflict = link.conflict as { changeRequest: number; commit: string | null; message: string } | null;
  return (
    <div className="page">
      <PageHeader title={link.name}>
        <span className="mono">{link.remoteUrl}</span> · branch <span className="mono">{link.branch}</span>
        {link.path ? (
          <>
            {" "}
            · folder <span className="mono">{link.path}</span>
          </>
        ) : null}
      </PageHeader>
      <div className="card">
        <CardHeader title="Status">
          <GitLinkActions link={link} />
        </CardHeader>
        <div className="card-body">
          <dl className="meta-list">
            <dt>State</dt>
            <dd>
              <GitLinkStateBadge link={link} />
            </dd>
            <dt>Last fetched commit</dt>
            <dd className="mono">
              {link.lastFetchedSha ?? "never fetched"}
              {link.lastFetchedAt ? <span className="muted"> ({timeAgo(link.lastFetchedAt)})</span> : null}
            </dd>
            <dt>Remote head</dt>
            <dd className="mono">{link.remoteHeadSha ?? "—"}</dd>
            <dt>Last error</dt>
            <dd role={link.lastError ? "alert" : undefined}>
              {link.lastError ?? "none"}
              {link.lastErrorAt ? <span className="muted"> ({formatDateTime(link.lastErrorAt)})</span> : null}
            </dd>
            <dt>Inbound</dt>
            <dd>
              {link.pollIntervalSeconds ? `webhook and a poll every ${link.pollIntervalSeconds} s` : "webhook only"}
            </dd>
            <dt>Outbound</dt>
            <dd>{link.pushEnabled ? "approved editor changes are pushed" : "off"}</dd>
          </dl>
          {conflict ? (
            <div className="alert alert-danger" role="alert">
              {conflict.message}. Change request{" "}
              <a href={`/reviews/${conflict.changeRequest}`}>#{conflict.changeRequest}</a> stays approved in Verdict
              {conflict.commit ? (
                <>
                  ; its commit <span className="mono">{conflict.commit.slice(0, 12)}</span> is kept in the mirror
                </>
              ) : null}
              . The commits on the branch are taken in as change requests of their own.
            </div>
          ) : null}
        </div>
      </div>
      <div className="card">
        <CardHeader title="Drift against the last fetched commit" />
        {driftError ? (
          <div className="card-body alert alert-danger" role="alert">
            {driftError}
          </div>
        ) : drift === null ? (
          <EmptyState title="Not fetched yet" />
        ) : drift.length === 0 ? (
          <EmptyState title="No drift">
            <p>Every covered policy&apos;s head version matches the branch.</p>
          </EmptyState>
        ) : (
          <DataTable columns={["Package", "File", "Drift"]} label="Drift">
            {drift.map((d) => (
              <tr key={d.file}>
                <td className="mono">{d.packagePath}</td>
                <td className="mono small">{d.file}</td>
                <td>{DRIFT[d.kind]}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
      <div className="card">
        <CardHeader title="Commits" />
        {commits.length === 0 ? (
          <EmptyState title="No commits yet" />
        ) : (
          <DataTable columns={["Commit", "Direction", "Author", "Change request", "Versions"]} label="Commits">
            {commits.map((c) => (
              <tr key={c.sha}>
                <td className="mono small" title={c.message}>
                  {c.sha.slice(0, 12)}
                  <div className="muted">{c.message.split("\n")[0]}</div>
                </td>
                <td>{c.direction === "inbound" ? "from git" : "to git"}</td>
                <td className="small">
                  {c.author.name} <span className="muted">&lt;{c.author.email}&gt;</span>
                </td>
                <td>
                  {c.changeRequest ? (
                    <a href={`/reviews/${c.changeRequest.number}`}>
                      #{c.changeRequest.number} ({c.changeRequest.status.replace("_", " ")})
                    </a>
                  ) : (
                    <span className="muted">none (nothing covered changed)</span>
                  )}
                </td>
                <td className="mono small">
                  {c.versions.map((v) => `${v.packagePath} v${v.number}`).join(", ") || "—"}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </div>
  );
}
