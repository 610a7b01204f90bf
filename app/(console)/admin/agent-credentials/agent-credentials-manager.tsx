"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import { formatDateTime, timeAgo } from "@/components/format";
import { FleetIcon } from "@/components/icons";
import type { AgentCredentialView, CreatedAgentCredential } from "@/lib/agents/agent-credential-view";
import { SecretReveal } from "./secret-reveal";
import { Checkbox, ConfirmButtons, CreateCard, FormActions, ProblemAlert, toggled } from "@/components/form-parts";
import { EmptyState, LifecycleBadge, PlainFieldset, SelectField, TextField } from "@/components/ui";
import { DataTable } from "@/components/ui";

export type CredentialRow = AgentCredentialView;

export type Created = CreatedAgentCredential;

const EXPIRES = [
  ["never", "Never (revoke when done)"],
  ["30", "After 30 days"],
  ["90", "After 90 days"],
  ["365", "After 1 year"],
] as const;

export function AgentCredentialsManager({ credentials, bundles }: { credentials: CredentialRow[]; bundles: string[] }) {
  const router = useRouter();
  const { run } = useApiAction();
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
    await run(() => api(`/api/v1/agent-credentials/${row.id}`, { method: "DELETE" }), {
      done: () => {
        setConfirming(null);
        return `Revoked “${row.name}” — agents using it now get 401`;
      },
      failed: "Revoke failed",
    });
  }

  const now = Date.now();
  return (
    <div className="stack">
      {created ? <SecretReveal created={created} onDone={() => setCreated(null)} /> : null}
      <CreateCard
        title={`${credentials.length} credential${credentials.length === 1 ? "" : "s"}`}
        action="New agent credential"
        open={creating}
        onToggle={() => setCreating((v) => !v)}
        onSubmit={(form) => void create(form)}
        form={
          <>
            <div className="grid-2">
              <TextField
                id="ac-name"
                label="Name"
                name="name"
                placeholder="e.g. payments sidecars (prod)"
                required
                maxLength={100}
              />
              <SelectField id="ac-expires" label="Expires" name="expires" defaultValue="never" options={EXPIRES} />
            </div>
            <PlainFieldset legend="How the agent authenticates" className="stack" gap={6}>
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
            </PlainFieldset>
            <PlainFieldset legend="Bundles it may pull">
              {bundles.length === 0 ? (
                <span className="muted small">
                  No bundles exist yet. A credential without bundles can still report status and upload decision logs.
                </span>
              ) : null}
              {bundles.map((b) => (
                <Checkbox key={b} checked={scope.includes(b)} onToggle={(on) => setScope((cur) => toggled(cur, b, on))}>
                  <span className="mono">{b}</span>
                </Checkbox>
              ))}
            </PlainFieldset>
            <PlainFieldset legend="It may also">
              <label className="checkbox">
                <input type="checkbox" name="status" defaultChecked /> report status (fleet view)
              </label>
              <label className="checkbox">
                <input type="checkbox" name="logs" /> upload decision logs
              </label>
            </PlainFieldset>
            <ProblemAlert error={error} />
            <FormActions submit="Create credential" spinner onCancel={() => setCreating(false)} busy={busy} />
          </>
        }
      >
        {credentials.length === 0 ? (
          <EmptyState icon={<FleetIcon />} title="No agent credentials">
            <p>Create one, then start OPA with the configuration it comes with.</p>
          </EmptyState>
        ) : (
          <DataTable
            columns={["Name", "Kind", "Bundles", "May", "Expires", "Last used", "Status"]}
            actions="Actions"
            label="Agent credentials"
          >
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
                    <LifecycleBadge revoked={c.revokedAt !== null} expired={expired} />
                  </td>
                  <td className="num">
                    {!c.revokedAt ? (
                      confirming === c.id ? (
                        <ConfirmButtons
                          confirm="Confirm revoke"
                          onConfirm={() => void revoke(c)}
                          onCancel={() => setConfirming(null)}
                        />
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
          </DataTable>
        )}
      </CreateCard>
    </div>
  );
}
