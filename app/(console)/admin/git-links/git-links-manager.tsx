"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { CopyButton } from "@/components/copy-button";
import { timeAgo } from "@/components/format";
import { BundleIcon } from "@/components/icons";
import { CreateCard, ProblemAlert, FormActions } from "@/components/form-parts";
import { DataTable, EmptyState, SelectField, TextAreaField, TextField } from "@/components/ui";
import type { GitLinkView } from "@/lib/git-sync/git-link-view";
import { GitLinkStateBadge } from "./git-link-state-badge";

type Created = { link: GitLinkView; webhookSecret: string };

const AUTH_KINDS = [
  ["none", "None (public repository)"],
  ["token", "HTTPS token"],
  ["ssh_key", "SSH deploy key"],
] as const;

function authOf(form: FormData) {
  const kind = String(form.get("authKind"));
  if (kind === "token")
    return { kind, username: String(form.get("username") || "x-access-token"), token: String(form.get("token")) };
  if (kind === "ssh_key") return { kind, privateKey: String(form.get("privateKey")) };
  return { kind: "none" };
}

export function GitLinksManager({ links }: { links: GitLinkView[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(links.length === 0);
  const [authKind, setAuthKind] = useState("token");
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<Created | null>(null);

  async function create(form: FormData) {
    setError(null);
    try {
      const poll = String(form.get("poll") ?? "");
      const result = await api<Created>("/api/v1/git-links", {
        body: {
          name: form.get("name"),
          remoteUrl: form.get("remoteUrl"),
          branch: form.get("branch") || "main",
          path: form.get("path") ?? "",
          packageRoot: form.get("packageRoot") ?? "",
          auth: authOf(form),
          pollIntervalSeconds: poll ? Number(poll) : null,
          pushEnabled: form.get("pushEnabled") === "on",
        },
      });
      setCreated(result);
      setOpen(false);
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  }

  const webhookUrl = created ? `${window.location.origin}/api/v1/git-links/${created.link.id}/webhook` : "";
  return (
    <>
      {created ? (
        <section className="card secret-reveal" aria-labelledby="webhook-title">
          <div className="card-header">
            <h2 id="webhook-title" style={{ fontSize: 14 }}>
              “{created.link.name}” is linked — set up the webhook now
            </h2>
            <button type="button" className="btn btn-sm" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
          <div className="card-body">
            <dl className="meta-list">
              <dt>Payload URL</dt>
              <dd className="mono">
                {webhookUrl} <CopyButton text={webhookUrl} label="Copy URL" />
              </dd>
              <dt>Secret</dt>
              <dd className="mono" data-testid="webhook-secret">
                {created.webhookSecret} <CopyButton text={created.webhookSecret} label="Copy secret" />
              </dd>
            </dl>
            <p className="small muted">
              The secret is stored encrypted and will not be shown again; rotate it if it leaks.
            </p>
          </div>
        </section>
      ) : null}
      <CreateCard
        title={`${links.length} link${links.length === 1 ? "" : "s"}`}
        action="Link a repository"
        open={open}
        onToggle={() => setOpen(!open)}
        onSubmit={(form) => void create(form)}
        form={
          <>
            <TextField id="g-name" label="Name" name="name" required maxLength={120} />
            <TextField
              id="g-url"
              label="Remote URL"
              name="remoteUrl"
              required
              className="input mono"
              placeholder="https://github.com/acme/policies.git or git@github.com:acme/policies.git"
            />
            <div className="row">
              <TextField id="g-branch" label="Branch" name="branch" defaultValue="main" />
              <TextField
                id="g-path"
                label="Folder"
                name="path"
                placeholder="policies"
                hint="Empty: the whole repository"
              />
              <TextField
                id="g-root"
                label="Package root"
                name="packageRoot"
                placeholder="payments"
                hint="Empty: every policy"
              />
            </div>
            <SelectField
              id="g-auth"
              label="Credential"
              name="authKind"
              value={authKind}
              onChange={(e) => setAuthKind(e.target.value)}
              options={AUTH_KINDS}
            />
            {authKind === "token" ? (
              <div className="row">
                <TextField id="g-user" label="User name" name="username" defaultValue="x-access-token" />
                <TextField id="g-token" label="Token" name="token" type="password" required autoComplete="off" />
              </div>
            ) : null}
            {authKind === "ssh_key" ? (
              <TextAreaField
                id="g-key"
                label="Deploy key (private)"
                name="privateKey"
                className="input mono"
                rows={5}
                required
                placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                hint="Stored encrypted with the master key; never shown again."
              />
            ) : null}
            <TextField
              id="g-poll"
              label="Poll every (seconds)"
              name="poll"
              type="number"
              min={30}
              max={86400}
              hint="Empty: webhook only"
            />
            <label className="checkbox">
              <input type="checkbox" name="pushEnabled" /> Push approved editor changes to the branch
            </label>
            <ProblemAlert error={error} />
            <FormActions submit="Link" onCancel={() => setOpen(false)} />
          </>
        }
      >
        {links.length === 0 ? (
          <EmptyState icon={<BundleIcon />} title="No linked repositories">
            <p>Link a repository to take its commits in as change requests.</p>
          </EmptyState>
        ) : (
          <DataTable columns={["Name", "Remote", "State", "Last fetched"]} label="Git links">
            {links.map((l) => (
              <tr key={l.id}>
                <td>
                  <a href={`/admin/git-links/${l.id}`}>{l.name}</a>
                </td>
                <td className="mono small">
                  {l.remoteUrl}{" "}
                  <span className="muted">
                    ({l.branch}
                    {l.path ? `:${l.path}` : ""})
                  </span>
                </td>
                <td>
                  <GitLinkStateBadge link={l} />
                </td>
                <td className="mono small">
                  {l.lastFetchedSha ? l.lastFetchedSha.slice(0, 12) : "never"}
                  {l.lastFetchedAt ? <div className="muted">{timeAgo(l.lastFetchedAt)}</div> : null}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </CreateCard>
    </>
  );
}
