"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { useApiAction } from "@/components/use-api-action";
import { formatDateTime, timeAgo } from "@/components/format";
import { KeyIcon, PlusIcon } from "@/components/icons";
import type { SigningKeyView } from "@/lib/bundles/signing-keys";
import { CardForm, FormActions, ProblemAlert, ReasonInput } from "@/components/form-parts";
import { CardHeader, DataTable, EmptyState, SelectField, TextAreaField } from "@/components/ui";

const ALGORITHMS = [
  ["ES256", "ES256 (ECDSA P-256)"],
  ["RS256", "RS256 (RSA 3072)"],
] as const;

const STATE = { active: "badge-ok", standby: "badge-accent", retired: "" } as const;

export function SigningKeysManager({ keys }: { keys: SigningKeyView[] }) {
  const router = useRouter();
  const [mode, setMode] = useState<"closed" | "generate" | "import">(keys.length === 0 ? "generate" : "closed");
  const [error, setError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState<{ id: string; action: "activate" | "retire" } | null>(null);
  const [reason, setReason] = useState("");
  const { run } = useApiAction();

  async function create(form: FormData) {
    setError(null);
    try {
      const body =
        mode === "generate"
          ? { source: "generate", algorithm: form.get("algorithm"), activate: form.get("activate") === "on" }
          : { source: "import", privateKeyPem: form.get("pem"), activate: form.get("activate") === "on" };
      const key = await api<SigningKeyView>("/api/v1/signing-keys", { body });
      toast(
        `${mode === "generate" ? "Generated" : "Imported"} ${key.kid}${key.state === "active" ? "; it signs from now on" : ""}`,
      );
      setMode("closed");
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  }

  async function change(id: string, action: "activate" | "retire") {
    await run(() => api(`/api/v1/signing-keys/${id}/${action}`, { body: { reason } }), {
      done: () => {
        setPending(null);
        setReason("");
        return action === "activate" ? "This key signs new revisions from now on" : "Key retired";
      },
      failed: "Failed",
    });
  }

  return (
    <div className="card">
      <CardHeader title={`${keys.length} key${keys.length === 1 ? "" : "s"}`}>
        <div className="row">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setMode("generate")}
            aria-expanded={mode === "generate"}
          >
            <PlusIcon /> Generate key
          </button>
          <button type="button" className="btn" onClick={() => setMode("import")} aria-expanded={mode === "import"}>
            Import key
          </button>
        </div>
      </CardHeader>
      {mode !== "closed" ? (
        <CardForm onSubmit={(form) => void create(form)}>
          {mode === "generate" ? (
            <SelectField
              id="k-alg"
              label="Algorithm"
              name="algorithm"
              defaultValue="ES256"
              fieldStyle={{ maxWidth: 320 }}
              options={ALGORITHMS}
            />
          ) : (
            <TextAreaField
              id="k-pem"
              label="Private key (PEM: PKCS#8, PKCS#1 RSA ≥ 2048 bits, or SEC1 P-256)"
              name="pem"
              className="input mono"
              rows={6}
              placeholder="-----BEGIN PRIVATE KEY-----"
              required
              hint="Stored encrypted with the master key; never shown again."
            />
          )}
          <label className="checkbox">
            <input type="checkbox" name="activate" defaultChecked={keys.length === 0} /> Make it the signing key now
          </label>
          <ProblemAlert error={error} />
          <FormActions submit={mode === "generate" ? "Generate" : "Import"} onCancel={() => setMode("closed")} />
        </CardForm>
      ) : null}
      {keys.length === 0 ? (
        <EmptyState icon={<KeyIcon />} title="No signing keys">
          <p>Generate one now, or let the first publish generate an ES256 key.</p>
        </EmptyState>
      ) : (
        <DataTable
          columns={["Key id", "Algorithm", "State", "Fingerprint", "Created"]}
          actions="Actions"
          label="Signing keys"
        >
          {keys.map((k) => (
            <tr key={k.id}>
              <td className="mono">
                {k.kid}
                {k.imported ? (
                  <span className="badge" style={{ marginLeft: 6 }}>
                    imported
                  </span>
                ) : null}
              </td>
              <td>{k.algorithm}</td>
              <td>
                <span className={`badge ${STATE[k.state]}`}>{k.state === "active" ? "active — signs" : k.state}</span>
              </td>
              <td className="mono small" title={k.fingerprint}>
                {k.fingerprint.slice(0, 16)}…
              </td>
              <td title={formatDateTime(k.createdAt)}>
                {timeAgo(k.createdAt)}
                <div className="muted small">by {k.createdBy.name}</div>
              </td>
              <td className="num">
                {pending?.id === k.id ? (
                  <form
                    className="row"
                    style={{ justifyContent: "flex-end" }}
                    onSubmit={(e) => {
                      e.preventDefault();
                      void change(k.id, pending.action);
                    }}
                  >
                    <ReasonInput id={`reason-${k.id}`} label="Reason" width={200} value={reason} onChange={setReason} />
                    <button
                      type="submit"
                      className={`btn btn-sm ${pending.action === "retire" ? "btn-danger" : "btn-primary"}`}
                    >
                      {pending.action === "activate" ? "Activate" : "Retire"}
                    </button>
                    <button type="button" className="btn btn-sm btn-ghost" onClick={() => setPending(null)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <KeyActions signingKey={k} onAsk={(action) => setPending({ id: k.id, action })} />
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}

function KeyActions({
  signingKey: k,
  onAsk,
}: {
  signingKey: SigningKeyView;
  onAsk: (action: "activate" | "retire") => void;
}) {
  return (
    <div className="row" style={{ justifyContent: "flex-end" }}>
      <a className="btn btn-sm" href={`/api/v1/signing-keys/${k.id}/public-key`} download>
        Public key
      </a>
      {k.state === "standby" ? (
        <>
          <button type="button" className="btn btn-sm" onClick={() => onAsk("activate")}>
            Activate…
          </button>
          <button type="button" className="btn btn-sm btn-danger" onClick={() => onAsk("retire")}>
            Retire…
          </button>
        </>
      ) : null}
    </div>
  );
}
