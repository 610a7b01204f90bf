"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { formatDateTime } from "@/components/format";
import { PlusIcon } from "@/components/icons";
import type { EndpointView, EntryView } from "@/lib/allowlists/list-services";
import {
  CallerLink,
  CrossTrustDomainBadge,
  EntryStatusBadge,
  MethodBadge,
  OwnerReason,
} from "../../_components/entry-status";
import { fieldErrors } from "../../_components/new-service-form";
import { TableHead, TextField } from "@/components/ui";

type Props = { service: { name: string; trustDomain: string }; endpoint: EndpointView; canWrite: boolean };

export function EndpointCard({ service, endpoint, canWrite }: Props) {
  const router = useRouter();
  const [granting, setGranting] = useState(false);

  async function revoke(entry: EntryView) {
    if (!window.confirm(`Propose revoking ${entry.caller} → ${service.name} ${endpoint.method} ${endpoint.path}?`))
      return;
    try {
      const result = await api<{ changeRequest: { number: number } }>(`/api/v1/allowlists/entries/${entry.id}`, {
        method: "DELETE",
      });
      toast(`Proposed as change request #${result.changeRequest.number}; it takes effect once approved and published`);
      router.push(`/allowlists/changes/${result.changeRequest.number}`);
    } catch (e) {
      toast(e instanceof ApiError ? e.message : "Revoke failed", "danger");
    }
  }

  async function removeEndpoint() {
    try {
      await api(`/api/v1/allowlists/services/${service.name}/endpoints/${endpoint.id}`, { method: "DELETE" });
      toast(`Removed ${endpoint.method} ${endpoint.path}`);
      router.refresh();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : "Could not remove the endpoint", "danger");
    }
  }

  const active = endpoint.entries.filter((e) => e.status !== "expired").length;
  return (
    <section className="card" aria-label={`${endpoint.method} ${endpoint.path}`}>
      <div className="card-header">
        <div className="row">
          <MethodBadge method={endpoint.method} />
          <code className="endpoint-path">{endpoint.path}</code>
          {endpoint.description ? <span className="muted small">{endpoint.description}</span> : null}
        </div>
        <div className="row">
          <span className="muted small">
            {active} active caller{active === 1 ? "" : "s"}
          </span>
          {canWrite ? (
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => setGranting((v) => !v)}
              aria-expanded={granting}
            >
              <PlusIcon /> Grant access
            </button>
          ) : null}
          {canWrite && endpoint.entries.length === 0 ? (
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => void removeEndpoint()}>
              Remove
            </button>
          ) : null}
        </div>
      </div>
      {granting ? (
        <GrantForm
          service={service}
          endpoint={endpoint}
          onDone={(number) => {
            setGranting(false);
            router.push(`/allowlists/changes/${number}`);
          }}
        />
      ) : null}
      {endpoint.entries.length === 0 ? (
        <p className="card-body muted small">No caller may call this endpoint: every request to it is denied.</p>
      ) : (
        <table className="table table-fixed">
          <colgroup>
            <col style={{ width: "38%" }} />
            <col style={{ width: "25%" }} />
            <col style={{ width: "15%" }} />
            <col style={{ width: "13%" }} />
            <col style={{ width: "9%" }} />
          </colgroup>
          <TableHead columns={["Caller", "Owner · reason", "Expiry", "Granted by"]} actions="Actions" />
          <tbody>
            {endpoint.entries.map((entry) => (
              <tr key={entry.id} className={entry.status === "expired" ? "row-expired" : undefined}>
                <td className="caller-cell">
                  <CallerLink caller={entry.caller} />
                  <CrossTrustDomainBadge cross={entry.crossTrustDomain} />
                </td>
                <td>
                  <OwnerReason owner={entry.owner} reason={entry.reason} />
                </td>
                <td>
                  <EntryStatusBadge status={entry.status} expiresAt={entry.expiresAt} />
                </td>
                <td className="small">
                  <div className="truncate" title={entry.createdBy}>
                    {entry.createdBy}
                  </div>
                  <div className="muted" title={formatDateTime(entry.createdAt)}>
                    {entry.approvedBy ? `approved by ${entry.approvedBy}` : "not reviewed"}
                  </div>
                </td>
                <td className="num">
                  {canWrite ? (
                    <button
                      type="button"
                      className="btn btn-sm btn-danger"
                      onClick={() => void revoke(entry)}
                      aria-label={`Revoke ${entry.caller}`}
                    >
                      Revoke
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function GrantForm({
  service,
  endpoint,
  onDone,
}: {
  service: { name: string; trustDomain: string };
  endpoint: EndpointView;
  onDone: (changeRequest: number) => void;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const idBase = `grant-${endpoint.id}`;

  async function submit(form: FormData) {
    setBusy(true);
    setErrors({});
    const expiry = String(form.get("expiresAt") ?? "");
    try {
      const result = await api<{ diff: { summary: string }; changeRequest: { number: number } }>(
        "/api/v1/allowlists/entries",
        {
          body: {
            service: service.name,
            method: endpoint.method,
            path: endpoint.path,
            caller: form.get("caller"),
            owner: form.get("owner"),
            reason: form.get("reason"),
            expiresAt: expiry ? new Date(`${expiry}T00:00:00Z`).toISOString() : null,
            crossTrustDomain: form.get("cross") === "on",
          },
        },
      );
      toast(`Proposed as change request #${result.changeRequest.number}: ${result.diff.summary}`);
      onDone(result.changeRequest.number);
    } catch (e) {
      setErrors(e instanceof ApiError ? fieldErrors(e) : { form: "Could not grant access" });
    } finally {
      setBusy(false);
    }
  }

  const field = (name: string, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <TextField
      id={`${idBase}-${name}`}
      label={label}
      fieldStyle={props.type === "date" ? { width: 170 } : { flex: 1, minWidth: 180 }}
      name={name}
      className={`input ${name === "caller" ? "mono" : ""}`}
      aria-invalid={errors[`body.${name}`] ? true : undefined}
      error={errors[`body.${name}`]}
      {...props}
    />
  );

  return (
    <form
      className="card-body grant-form"
      aria-label={`Grant access to ${endpoint.method} ${endpoint.path}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit(new FormData(e.currentTarget));
      }}
    >
      <div className="row row-wrap" style={{ alignItems: "flex-start" }}>
        {field("caller", "Caller SPIFFE ID", {
          placeholder: `spiffe://${service.trustDomain}/ns/…/sa/…`,
          autoFocus: true,
          style: { minWidth: 360 },
        })}
        {field("owner", "Owner", { placeholder: "team that needs it" })}
      </div>
      <div className="row row-wrap" style={{ alignItems: "flex-start" }}>
        {field("reason", "Reason", { placeholder: "why this caller needs this endpoint" })}
        {field("expiresAt", "Expires (optional)", { type: "date" })}
      </div>
      <label className="checkbox small">
        <input type="checkbox" name="cross" /> Caller is in another trust domain than {service.trustDomain} (grant it
        explicitly)
      </label>
      {errors["body.crossTrustDomain"] ? <span className="error">{errors["body.crossTrustDomain"]}</span> : null}
      {errors.form || errors.body ? (
        <div role="alert" className="alert alert-danger">
          {errors.form ?? errors.body}
        </div>
      ) : null}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? <span className="spinner" /> : null} Propose grant
        </button>
        <span className="muted small">Takes effect once someone else approves it and it is published.</span>
      </div>
    </form>
  );
}
