"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { formatDateTime, timeAgo } from "@/components/format";
import { FleetIcon, PlusIcon } from "@/components/icons";
import type { AgentCredentialView, CreatedAgentCredential } from "@/lib/agents/agent-credential-view";
import { SecretReveal } from "./secret-reveal";
import { ProblemAlert } from "@/components/form-parts";

export type CredentialRow = AgentCredentialView;

export type Created = CreatedAgentCredential;

export function AgentCredentialsManager({ credentials, bundles }: { credentials: CredentialRow[]; bundles: string[] }) {
  const router = useRouter();
  const [creating, setCreating] = useState(credentials.length === 0);
  const [kind, setKind] = useState<"bearer" | "oauth2">("bearer");
  const [scope, setScope] = useState<string[]>(bundles.slice(0, 1));
  const [created, setCreated] = useState<Created | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);

  async function create(form: FormData) {
    setError(null);
    setBusy(true);
    try {
      const days = String(form.get("expires"));
      const result = await api<Created>("/api/v1/agent-credentials", {
        body: {
          name: form.get("name"),
          kind,
          bundles: scope,
          mayReportStatus: form.get("status") === "on",
          mayUploadLogs: form.get("logs") === "on",
          expiresInDays: days === "never" ? null : Number(days),
        },
      });
      setCreated(result);
      setCreating(false);
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(row: CredentialRow) {
    try {
      await api(`/api/v1/agent-credentials/${row.id}`, { method: "DELETE" });
      toast(`Revoked “${row.name}” — agents using it now get 401`);
      setConfirming(null);
      router.refresh();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : "Revoke failed", "danger");
    }
  }

  const now = Date.now();
  return (
    <div className="stack">
      {created ? <SecretReveal created={created} onDone={() => setCreated(null)} /> : null}
      <div className="card">
        <div className="card-header">
          <h2 style={{ fontSize: 14 }}>
            {credentials.length} credential{credentials.length === 1 ? "" : "s"}
          </h2>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setCreating((v) => !v)}
            aria-expanded={creating}
          >
            <PlusIcon /> New agent credential
          </button>
        </div>
        {creating ? (
          <form
            className="card-body stack"
            style={{ borderBottom: "1px solid var(--border)" }}
            onSubmit={(e) => {
              e.preventDefault();
              void create(new FormData(e.currentTarget));
            }}
          >
            <div className="grid-2">
              <div className="field">
                <label htmlFor="ac-name">Name</label>
                <input
                  id="ac-name"
                  name="name"
                  className="input"
                  placeholder="e.g. payments sidecars (prod)"
                  required
                  maxLength={100}
                />
              </div>
              <div className="field">
                <label htmlFor="ac-expires">Expires</label>
                <select id="ac-expires" name="expires" className="input" defaultValue="never">
                  <option value="never">Never (revoke when done)</option>
                  <option value="30">After 30 days</option>
                  <option value="90">After 90 days</option>
                  <option value="365">After 1 year</option>
                </select>
              </div>
            </div>
            <fieldset className="stack" style={{ border: "none", padding: 0, margin: 0, gap: 6 }}>
              <legend className="label" style={{ marginBottom: 6 }}>
                How the agent authenticates
              </legend>
              <label className="checkbox">
                <input type="radio" name="kind" checked={kind === "bearer"} onChange={() => setKind("bearer")} /> Bearer
                token <span className="muted small">— a static secret in the OPA config (simplest)</span>
              </label>
              <label className="checkbox">
                <input type="radio" name="kind" checked={kind === "oauth2"} onChange={() => setKind("oauth2")} /> OAuth2
                client credentials{" "}
                <span className="muted small">
                  — OPA exchanges a client secret for tokens that live 5 minutes (needs Verdict behind https)
                </span>
              </label>
            </fieldset>
            <fieldset className="row row-wrap" style={{ border: "none", padding: 0, margin: 0, gap: 16 }}>
              <legend className="label" style={{ marginBottom: 6 }}>
                Bundles it may pull
              </legend>
              {bundles.length === 0 ? (
                <span className="muted small">
                  No bundles exist yet. A credential without bundles can still report status and upload decision logs.
                </span>
              ) : null}
              {bundles.map((b) => (
                <label key={b} className="checkbox">
                  <input
                    type="checkbox"
                    checked={scope.includes(b)}
                    onChange={(e) => setScope((cur) => (e.target.checked ? [...cur, b] : cur.filter((x) => x !== b)))}
                  />{" "}
                  <span className="mono">{b}</span>
                </label>
              ))}
            </fieldset>
            <fieldset className="row row-wrap" style={{ border: "none", padding: 0, margin: 0, gap: 16 }}>
              <legend className="label" style={{ marginBottom: 6 }}>
                It may also
              </legend>
              <label className="checkbox">
                <input type="checkbox" name="status" defaultChecked /> report status (fleet view)
              </label>
              <label className="checkbox">
                <input type="checkbox" name="logs" /> upload decision logs
              </label>
            </fieldset>
            <ProblemAlert error={error} />
            <div className="row">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? <span className="spinner" aria-hidden /> : null} Create credential
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setCreating(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
        {credentials.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <FleetIcon />
            </div>
            <h2>No agent credentials</h2>
            <p>Create one, then start OPA with the configuration it comes with.</p>
          </div>
        ) : (
          <table className="table" aria-label="Agent credentials">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Bundles</th>
                <th scope="col">May</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {credentials.map((c) => {
                const expired = c.expiresAt !== null && new Date(c.expiresAt).getTime() <= now;
                return (
                  <tr key={c.id}>
                    <td>
                      <div style={{ fontWeight: 600 }}>{c.name}</div>
                      <div className="mono small muted">{c.clientId ?? c.secretPrefix}</div>
                    </td>
                    <td>{c.kind === "bearer" ? "Bearer token" : "OAuth2 client"}</td>
                    <td>
                      {c.bundles.length ? (
                        c.bundles.map((b) => (
                          <span key={b} className="badge mono" style={{ marginRight: 4 }}>
                            {b}
                          </span>
                        ))
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="small">
                      {[c.mayReportStatus ? "status" : null, c.mayUploadLogs ? "logs" : null]
                        .filter(Boolean)
                        .join(", ") || <span className="muted">—</span>}
                    </td>
                    <td title={c.expiresAt ? formatDateTime(c.expiresAt) : undefined}>
                      {c.expiresAt ? timeAgo(c.expiresAt) : <span className="muted">never</span>}
                    </td>
                    <td>{c.lastUsedAt ? timeAgo(c.lastUsedAt) : <span className="muted">never</span>}</td>
                    <td>
                      {c.revokedAt ? (
                        <span className="badge badge-danger">revoked</span>
                      ) : expired ? (
                        <span className="badge badge-warn">expired</span>
                      ) : (
                        <span className="badge badge-ok">active</span>
                      )}
                    </td>
                    <td className="num">
                      {!c.revokedAt ? (
                        confirming === c.id ? (
                          <div className="row" style={{ justifyContent: "flex-end" }}>
                            <button type="button" className="btn btn-sm btn-danger" onClick={() => void revoke(c)}>
                              Confirm revoke
                            </button>
                            <button type="button" className="btn btn-sm btn-ghost" onClick={() => setConfirming(null)}>
                              Cancel
                            </button>
                          </div>
                        ) : (
                          <button
                            type="button"
                            className="btn btn-sm btn-danger"
                            onClick={() => setConfirming(c.id)}
                            aria-label={`Revoke ${c.name}`}
                          >
                            Revoke…
                          </button>
                        )
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
