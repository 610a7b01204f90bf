"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { formatDateTime, timeAgo } from "@/components/format";
import { KeyIcon, PlusIcon } from "@/components/icons";
import { FormActions } from "@/components/form-parts";

type Token = {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  userEmail?: string;
  roles: string[];
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
};

export function TokensManager({
  tokens,
  myRoles,
  selfId,
  seesAll,
}: {
  tokens: Token[];
  myRoles: string[];
  selfId: string;
  seesAll: boolean;
}) {
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  const [roles, setRoles] = useState<string[]>(myRoles.includes("viewer") ? ["viewer"] : myRoles.slice(0, 1));
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function create(form: FormData) {
    setError(null);
    try {
      const result = await api<{ secret: string }>("/api/v1/tokens", {
        body: { name: form.get("name"), roles, expiresInDays: Number(form.get("days")) },
      });
      setSecret(result.secret);
      setCreating(false);
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not create the token");
    }
  }

  async function revoke(token: Token) {
    try {
      await api(`/api/v1/tokens/${token.id}`, { method: "DELETE" });
      toast(`Revoked “${token.name}”`);
      router.refresh();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : "Revoke failed", "danger");
    }
  }

  const now = Date.now();
  return (
    <div className="stack">
      {secret ? (
        <div className="alert alert-ok" role="status">
          <div style={{ flex: 1 }}>
            <strong>Copy this token now — it will not be shown again.</strong>
            <pre className="json-view" style={{ marginTop: 8 }} data-testid="new-token">
              {secret}
            </pre>
            <span className="small">
              Send it as <code>Authorization: Bearer …</code>.
            </span>
          </div>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              void navigator.clipboard?.writeText(secret);
              toast("Copied");
            }}
          >
            Copy
          </button>
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      ) : null}
      <div className="card">
        <div className="card-header">
          <h2 style={{ fontSize: 14 }}>{seesAll ? "All tokens" : "Your tokens"}</h2>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setCreating((v) => !v)}
            aria-expanded={creating}
          >
            <PlusIcon /> New token
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
                <label htmlFor="t-name">Name</label>
                <input
                  id="t-name"
                  name="name"
                  className="input"
                  placeholder="e.g. GitHub Actions policy tests"
                  required
                />
              </div>
              <div className="field">
                <label htmlFor="t-days">Expires after</label>
                <select id="t-days" name="days" className="input" defaultValue="90">
                  <option value="7">7 days</option>
                  <option value="30">30 days</option>
                  <option value="90">90 days</option>
                  <option value="365">1 year</option>
                </select>
              </div>
            </div>
            <fieldset className="row row-wrap" style={{ border: "none", padding: 0, margin: 0, gap: 16 }}>
              <legend className="label" style={{ marginBottom: 6 }}>
                Roles (only roles you hold)
              </legend>
              {myRoles.map((r) => (
                <label key={r} className="checkbox">
                  <input
                    type="checkbox"
                    checked={roles.includes(r)}
                    onChange={(e) => setRoles((cur) => (e.target.checked ? [...cur, r] : cur.filter((x) => x !== r)))}
                  />{" "}
                  {r}
                </label>
              ))}
            </fieldset>
            {error ? (
              <div role="alert" className="alert alert-danger">
                {error}
              </div>
            ) : null}
            <FormActions submit="Create token" onCancel={() => setCreating(false)} />
          </form>
        ) : null}
        {tokens.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <KeyIcon />
            </div>
            <h2>No API tokens</h2>
            <p>Create one for CI to run policy tests or publish through the API.</p>
          </div>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                {seesAll ? <th scope="col">Owner</th> : null}
                <th scope="col">Roles</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => {
                const expired = new Date(t.expiresAt).getTime() <= now;
                return (
                  <tr key={t.id}>
                    <td>
                      <div style={{ fontWeight: 600 }}>{t.name}</div>
                      <div className="mono small muted">{t.prefix}</div>
                    </td>
                    {seesAll ? (
                      <td className="small">
                        {t.userEmail}
                        {t.userId === selfId ? " (you)" : ""}
                      </td>
                    ) : null}
                    <td>
                      {t.roles.map((r) => (
                        <span key={r} className="badge" style={{ marginRight: 4 }}>
                          {r}
                        </span>
                      ))}
                    </td>
                    <td title={formatDateTime(t.expiresAt)}>{timeAgo(t.expiresAt)}</td>
                    <td>{t.lastUsedAt ? timeAgo(t.lastUsedAt) : <span className="muted">never</span>}</td>
                    <td>
                      {t.revokedAt ? (
                        <span className="badge badge-danger">revoked</span>
                      ) : expired ? (
                        <span className="badge badge-warn">expired</span>
                      ) : (
                        <span className="badge badge-ok">active</span>
                      )}
                    </td>
                    <td className="num">
                      {!t.revokedAt && !expired ? (
                        <button type="button" className="btn btn-sm btn-danger" onClick={() => void revoke(t)}>
                          Revoke
                        </button>
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
