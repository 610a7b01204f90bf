"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { useApiAction } from "@/components/use-api-action";
import { timeAgo } from "@/components/format";
import { PlusIcon } from "@/components/icons";
import { ProblemAlert, FormActions } from "@/components/form-parts";

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
      <div className="card">
        <div className="card-header">
          <h2 style={{ fontSize: 14 }}>
            {users.length} user{users.length === 1 ? "" : "s"}
          </h2>
          <button type="button" className="btn btn-primary" onClick={() => setAdding((v) => !v)} aria-expanded={adding}>
            <PlusIcon /> Add user
          </button>
        </div>
        {adding ? (
          <form
            className="card-body stack"
            style={{ borderBottom: "1px solid var(--border)" }}
            onSubmit={(e) => {
              e.preventDefault();
              void create(new FormData(e.currentTarget));
            }}
          >
            <div className="grid-3">
              <div className="field">
                <label htmlFor="u-email">Email</label>
                <input id="u-email" name="email" type="email" className="input" required />
              </div>
              <div className="field">
                <label htmlFor="u-name">Name</label>
                <input id="u-name" name="name" className="input" required />
              </div>
              <div className="field">
                <label htmlFor="u-password">Password</label>
                <input id="u-password" name="password" type="password" className="input" autoComplete="new-password" />
                <span className="hint">At least 12 characters; leave empty for single sign-on only.</span>
              </div>
            </div>
            <fieldset className="row row-wrap" style={{ border: "none", padding: 0, margin: 0, gap: 16 }}>
              <legend className="label" style={{ marginBottom: 6 }}>
                Roles
              </legend>
              {ROLES.map((r) => (
                <label key={r} className="checkbox" title={ROLE_HELP[r]}>
                  <input
                    type="checkbox"
                    checked={roles.includes(r)}
                    onChange={(e) => setRoles((cur) => (e.target.checked ? [...cur, r] : cur.filter((x) => x !== r)))}
                  />{" "}
                  {r}
                  <span className="muted small">({ROLE_HELP[r]})</span>
                </label>
              ))}
            </fieldset>
            <ProblemAlert error={error} />
            <FormActions submit="Create user" onCancel={() => setAdding(false)} />
          </form>
        ) : null}
        <table className="table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Roles</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
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
                      <label key={r} className="checkbox small" title={ROLE_HELP[r]}>
                        <input
                          type="checkbox"
                          checked={u.roles.includes(r)}
                          aria-label={`${r} role for ${u.email}`}
                          onChange={(e) =>
                            void update(u, {
                              roles: e.target.checked ? [...u.roles, r] : u.roles.filter((x) => x !== r),
                            })
                          }
                        />{" "}
                        {r}
                      </label>
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
          </tbody>
        </table>
      </div>
    </div>
  );
}
