"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { useApiAction } from "@/components/use-api-action";
import { formatDateTime, timeAgo } from "@/components/format";
import { KeyIcon } from "@/components/icons";
import { Checkbox, CreateCard, FormActions, toggled } from "@/components/form-parts";
import { EmptyState, LifecycleBadge, PlainFieldset, SelectField, TextField } from "@/components/ui";
import { DataTable } from "@/components/ui";

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

const EXPIRES = [
  ["7", "7 days"],
  ["30", "30 days"],
  ["90", "90 days"],
  ["365", "1 year"],
] as const;

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
  const { run } = useApiAction();
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
    await run(() => api(`/api/v1/tokens/${token.id}`, { method: "DELETE" }), {
      done: () => `Revoked “${token.name}”`,
      failed: "Revoke failed",
    });
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
      <CreateCard
        title={seesAll ? "All tokens" : "Your tokens"}
        action="New token"
        open={creating}
        onToggle={() => setCreating((v) => !v)}
        onSubmit={(form) => void create(form)}
        form={
          <>
            <div className="grid-2">
              <TextField id="t-name" label="Name" name="name" placeholder="e.g. GitHub Actions policy tests" required />
              <SelectField id="t-days" label="Expires after" name="days" defaultValue="90" options={EXPIRES} />
            </div>
            <PlainFieldset legend="Roles (only roles you hold)">
              {myRoles.map((r) => (
                <Checkbox key={r} checked={roles.includes(r)} onToggle={(on) => setRoles((cur) => toggled(cur, r, on))}>
                  {r}
                </Checkbox>
              ))}
            </PlainFieldset>
            {error ? (
              <div role="alert" className="alert alert-danger">
                {error}
              </div>
            ) : null}
            <FormActions submit="Create token" onCancel={() => setCreating(false)} />
          </>
        }
      >
        {tokens.length === 0 ? (
          <EmptyState icon={<KeyIcon />} title="No API tokens">
            <p>Create one for CI to run policy tests or publish through the API.</p>
          </EmptyState>
        ) : (
          <DataTable
            columns={["Name", seesAll && "Owner", "Roles", "Expires", "Last used", "Status"]}
            actions="Actions"
          >
            {tokens.map((t) => (
              <TokenRow
                key={t.id}
                token={t}
                owner={seesAll ? `${t.userEmail ?? ""}${t.userId === selfId ? " (you)" : ""}` : null}
                expired={new Date(t.expiresAt).getTime() <= now}
                onRevoke={() => void revoke(t)}
              />
            ))}
          </DataTable>
        )}
      </CreateCard>
    </div>
  );
}

function TokenRow({
  token: t,
  owner,
  expired,
  onRevoke,
}: {
  token: Token;
  /** The owner's column, when the list shows everyone's tokens. */
  owner: string | null;
  expired: boolean;
  onRevoke: () => void;
}) {
  return (
    <tr>
      <td>
        <div style={{ fontWeight: 600 }}>{t.name}</div>
        <div className="mono small muted">{t.prefix}</div>
      </td>
      {owner !== null ? <td className="small">{owner}</td> : null}
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
        <LifecycleBadge revoked={t.revokedAt !== null} expired={expired} />
      </td>
      <td className="num">
        {!t.revokedAt && !expired ? (
          <button type="button" className="btn btn-sm btn-danger" onClick={onRevoke}>
            Revoke
          </button>
        ) : null}
      </td>
    </tr>
  );
}
