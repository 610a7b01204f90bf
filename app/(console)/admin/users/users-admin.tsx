"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { useApiAction } from "@/components/use-api-action";
import { timeAgo } from "@/components/format";
import { Checkbox, CreateCard, FormActions, ProblemAlert, toggled } from "@/components/form-parts";
import { DataTable, PlainFieldset, TextField } from "@/components/ui";

type User = {
  id: string;
  email: string;
  name: string;
  roles: string[];
  disabled: boolean;
  hasPassword: boolean;
  lastLoginAt: string | null;
};
const ROLES = ["admin", "author", "reviewer", "auditor", "viewer"] as const;
const ROLE_HELP: Record<(typeof ROLES)[number], string> = {
  admin: "users, keys, agent credentials, bundles",
  author: "write policies, tests and allowlists",
  reviewer: "approve others' changes and publish",
  auditor: "read decisions and the audit trail",
  viewer: "read policies",
};

export function UsersAdmin({ users, selfId }: { users: User[]; selfId: string }) {
  const router = useRouter();
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [roles, setRoles] = useState<string[]>(["author"]);
  const { run } = useApiAction();

  async function create(form: FormData) {
    setError(null);
    try {
      const password = String(form.get("password") ?? "");
      await api("/api/v1/users", {
        body: { email: form.get("email"), name: form.get("name"), roles, ...(password ? { password } : {}) },
      });
      toast("User created");
      setAdding(false);
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  }

  async function update(user: User, change: Record<string, unknown>) {
    await run(() => api(`/api/v1/users/${user.id}`, { method: "PATCH", body: change }), {
      done: () => `Updated ${user.email}`,
      failed: "Update failed",
    });
  }

  return (
    <div className="stack">
      <CreateCard
        title={`${users.length} user${users.length === 1 ? "" : "s"}`}
        action="Add user"
        open={adding}
        onToggle={() => setAdding((v) => !v)}
        onSubmit={(form) => void create(form)}
        form={
          <>
            <div className="grid-3">
              <TextField id="u-email" label="Email" name="email" type="email" required />
              <TextField id="u-name" label="Name" name="name" required />
              <TextField
                id="u-password"
                label="Password"
                name="password"
                type="password"
                autoComplete="new-password"
                hint="At least 12 characters; leave empty for single sign-on only."
              />
            </div>
            <PlainFieldset legend="Roles">
              {ROLES.map((r) => (
                <Checkbox
                  key={r}
                  title={ROLE_HELP[r]}
                  checked={roles.includes(r)}
                  onToggle={(on) => setRoles((cur) => toggled(cur, r, on))}
                >
                  {r}
                  <span className="muted small">({ROLE_HELP[r]})</span>
                </Checkbox>
              ))}
            </PlainFieldset>
            <ProblemAlert error={error} />
            <FormActions submit="Create user" onCancel={() => setAdding(false)} />
          </>
        }
      >
        <DataTable columns={["User", "Roles", "Last sign-in", "Status"]} actions="Actions">
          {users.map((u) => (
            <tr key={u.id}>
              <td>
                <div style={{ fontWeight: 600 }}>
                  {u.name}
                  {u.id === selfId ? <span className="muted small"> (you)</span> : null}
                </div>
                <div className="muted small">{u.email}</div>
              </td>
              <td>
                <div className="row row-wrap" style={{ gap: 4 }}>
                  {ROLES.map((r) => (
                    <Checkbox
                      key={r}
                      small
                      title={ROLE_HELP[r]}
                      checked={u.roles.includes(r)}
                      ariaLabel={`${r} role for ${u.email}`}
                      onToggle={(on) => void update(u, { roles: toggled(u.roles, r, on) })}
                    >
                      {r}
                    </Checkbox>
                  ))}
                </div>
              </td>
              <td>{u.lastLoginAt ? timeAgo(u.lastLoginAt) : <span className="muted">never</span>}</td>
              <td>
                {u.disabled ? (
                  <span className="badge badge-danger">disabled</span>
                ) : (
                  <span className="badge badge-ok">active</span>
                )}
              </td>
              <td className="num">
                <button
                  type="button"
                  className={`btn btn-sm ${u.disabled ? "" : "btn-danger"}`}
                  onClick={() => void update(u, { disabled: !u.disabled })}
                >
                  {u.disabled ? "Enable" : "Disable"}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      </CreateCard>
    </div>
  );
}
