"use client";

import { useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import { ConfirmButtons, CreateCard, FormActions, ProblemAlert } from "@/components/form-parts";
import { DataTable, EmptyState, SelectField, TextField } from "@/components/ui";
import { timeAgo } from "@/components/format";
import type { TargetView } from "@/lib/distribution/list-targets";
import { DistributionStateBadge } from "./distribution-state";

function text(form: FormData, name: string): string {
  return String(form.get(name) ?? "").trim();
}

/** The request body the add form describes (the server validates it). */
function targetRequest(form: FormData): Record<string, unknown> {
  const common = { kind: text(form, "kind"), name: text(form, "name"), url: text(form, "url") };
  if (common.kind === "s3")
    return {
      ...common,
      bucket: text(form, "bucket"),
      key: text(form, "key"),
      region: text(form, "region") || "us-east-1",
      credentials: { accessKeyId: text(form, "accessKeyId"), secretAccessKey: String(form.get("secret") ?? "") },
    };
  const auth = text(form, "auth");
  return {
    ...common,
    repository: text(form, "repository"),
    tag: text(form, "tag") || "latest",
    credentials:
      auth === "basic"
        ? { auth, username: text(form, "username"), password: String(form.get("secret") ?? "") }
        : auth === "bearer"
          ? { auth, token: String(form.get("secret") ?? "") }
          : { auth: "none" },
  };
}

/**
 * Registries and buckets the bundle is copied to on every publish, with each recent revision's
 * state on each; add, remove, and re-check what they serve against the signed revision.
 */
export function DistributionTargets({
  bundle,
  targets,
  canManage,
  canCheck,
}: {
  bundle: string;
  targets: TargetView[];
  canManage: boolean;
  canCheck: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<"oci" | "s3">("oci");
  const [auth, setAuth] = useState("basic");
  const [error, setError] = useState<ApiError | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const { busy, run } = useApiAction();

  async function add(form: FormData) {
    setError(null);
    await run(
      () =>
        api<TargetView>(`/api/v1/bundles/${bundle}/targets`, { body: targetRequest(form) }).catch((e) => {
          if (e instanceof ApiError) setError(e);
          throw e;
        }),
      {
        done: (t) => {
          setOpen(false);
          return t.uploads[0] ? `Added ${t.name}: ${t.uploads[0].revision} ${t.uploads[0].state}` : `Added ${t.name}`;
        },
        failed: "Could not add the target",
      },
    );
  }

  const form = (
    <>
      <ProblemAlert error={error} />
      <div className="grid-2">
        <SelectField
          id="target-kind"
          label="Kind"
          name="kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as "oci" | "s3")}
          options={[
            ["oci", "OCI registry"],
            ["s3", "S3-compatible bucket"],
          ]}
        />
        <TextField id="target-name" label="Name" name="name" required placeholder="registry-eu" />
      </div>
      <TextField
        id="target-url"
        label={kind === "oci" ? "Registry URL" : "Endpoint URL"}
        name="url"
        required
        placeholder={kind === "oci" ? "https://registry.example.com" : "https://s3.eu-west-1.amazonaws.com"}
      />
      {kind === "oci" ? (
        <>
          <div className="grid-2">
            <TextField
              id="target-repository"
              label="Repository"
              name="repository"
              required
              placeholder="policies/payments"
            />
            <TextField id="target-tag" label="Tag" name="tag" placeholder="latest" />
          </div>
          <SelectField
            id="target-auth"
            label="Verdict pushes with"
            name="auth"
            value={auth}
            onChange={(e) => setAuth(e.target.value)}
            options={[
              ["basic", "user name and password"],
              ["bearer", "a bearer token"],
              ["none", "no credentials"],
            ]}
          />
          {auth === "basic" ? <TextField id="target-username" label="User name" name="username" required /> : null}
          {auth !== "none" ? (
            <TextField
              id="target-secret"
              label={auth === "basic" ? "Password" : "Token"}
              name="secret"
              type="password"
              autoComplete="off"
              required
            />
          ) : null}
        </>
      ) : (
        <>
          <div className="grid-2">
            <TextField id="target-bucket" label="Bucket" name="bucket" required />
            <TextField id="target-region" label="Region" name="region" placeholder="us-east-1" />
          </div>
          <TextField id="target-key" label="Object key" name="key" required placeholder={`bundles/${bundle}.tar.gz`} />
          <div className="grid-2">
            <TextField id="target-access-key" label="Access key id" name="accessKeyId" required autoComplete="off" />
            <TextField
              id="target-secret"
              label="Secret access key"
              name="secret"
              type="password"
              autoComplete="off"
              required
            />
          </div>
        </>
      )}
      <p className="small muted">Stored encrypted; never shown again. Agents get their own read-only credentials.</p>
      <FormActions submit="Add target" onCancel={() => setOpen(false)} busy={busy} spinner />
    </>
  );

  const list =
    targets.length === 0 ? (
      <EmptyState title="No distribution targets">
        Agents pull this bundle from Verdict. Add a registry or a bucket to serve large fleets from there.
      </EmptyState>
    ) : (
      <>
        {canCheck ? (
          <div className="card-body row" style={{ justifyContent: "space-between" }}>
            <span className="small muted">Verdict re-checks every target every ten minutes.</span>
            <button
              type="button"
              className="btn btn-sm"
              disabled={busy}
              onClick={() =>
                void run(
                  () =>
                    api<{ outcomes: Array<{ outcome: string }> }>(`/api/v1/bundles/${bundle}/target-checks`, {
                      method: "POST",
                    }),
                  {
                    done: (r) => `Checked: ${r.outcomes.map((o) => o.outcome).join(", ") || "nothing to check"}`,
                    failed: "The check failed",
                  },
                )
              }
            >
              Re-check now
            </button>
          </div>
        ) : null}
        <DataTable
          columns={["Target", "Where", "Revisions there"]}
          actions={canManage ? "Actions" : undefined}
          label="Distribution targets"
        >
          {targets.map((t) => (
            <tr key={t.id}>
              <td>
                <span className="mono">{t.name}</span>
                <div className="muted small">{t.kind === "oci" ? "OCI registry" : "S3 bucket"}</div>
              </td>
              <td className="small mono">
                {t.url}
                <div className="muted">
                  {t.kind === "oci" ? `${t.location}:${t.reference}` : `${t.location}/${t.reference}`}
                </div>
              </td>
              <td className="small">
                {t.uploads.length === 0 ? <span className="muted">nothing published yet</span> : null}
                <ul className="plain-list">
                  {t.uploads.slice(0, 5).map((u) => (
                    <li key={u.number}>
                      <span className="mono">{u.revision}</span> <DistributionStateBadge state={u.state} error={null} />
                      {u.checkedAt ? <span className="muted"> · checked {timeAgo(u.checkedAt)}</span> : null}
                      {u.state === "failed" && u.nextAttemptAt ? (
                        <span className="muted"> · retry {timeAgo(u.nextAttemptAt)}</span>
                      ) : null}
                      {u.error && (u.state === "failed" || u.state === "tampered") ? (
                        <div className="error small">{u.error}</div>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </td>
              {canManage ? (
                <td className="num">
                  {removing === t.id ? (
                    <ConfirmButtons
                      confirm="Remove"
                      busy={busy}
                      onCancel={() => setRemoving(null)}
                      onConfirm={() =>
                        void run(() => api(`/api/v1/bundles/${bundle}/targets/${t.name}`, { method: "DELETE" }), {
                          done: () => `Removed ${t.name}`,
                          failed: "Could not remove the target",
                        })
                      }
                    />
                  ) : (
                    <button type="button" className="btn btn-sm btn-ghost" onClick={() => setRemoving(t.id)}>
                      Remove…
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      </>
    );

  if (!canManage)
    return (
      <section className="card" style={{ marginTop: 16 }} aria-labelledby="targets-title">
        <div className="card-header">
          <h2 id="targets-title" style={{ fontSize: 14 }}>
            Distribution targets
          </h2>
        </div>
        {list}
      </section>
    );
  return (
    <div style={{ marginTop: 16 }}>
      <CreateCard
        title="Distribution targets"
        action="Add target"
        open={open}
        onToggle={() => setOpen(!open)}
        onSubmit={(f) => void add(f)}
        form={form}
      >
        {list}
      </CreateCard>
    </div>
  );
}
