"use client";

import { useState } from "react";
import Link from "next/link";
import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import { toggled } from "@/components/form-parts";
import { PolicyCheckbox } from "../policy-checkbox";

type PolicyOption = { id: string; name: string; packagePath: string };

/** The bundle's policies; admins add or remove members (only packages under the roots fit). */
export function BundleMembership({
  bundle,
  members,
  candidates,
  canManage,
}: {
  bundle: string;
  members: PolicyOption[];
  candidates: PolicyOption[];
  canManage: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const [chosen, setChosen] = useState(members.map((m) => m.id));
  const { busy, run } = useApiAction();
  const all = [...members, ...candidates.filter((c) => !members.some((m) => m.id === c.id))];

  async function save() {
    await run(() => api(`/api/v1/bundles/${bundle}`, { method: "PATCH", body: { policyIds: chosen } }), {
      done: () => {
        setEditing(false);
        return "Membership saved; it takes effect with the next publish";
      },
      failed: "Saving failed",
    });
  }

  return (
    <section className="card" aria-labelledby="policies-title">
      <div className="card-header">
        <h2 id="policies-title" style={{ fontSize: 14 }}>
          Policies ({members.length})
        </h2>
        {canManage && !editing ? (
          <button type="button" className="btn btn-sm" onClick={() => setEditing(true)}>
            Edit…
          </button>
        ) : null}
      </div>
      {editing ? (
        <form
          className="card-body stack"
          style={{ gap: 8 }}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {all.length === 0 ? (
            <span className="muted small">No policy package lies under this bundle&apos;s roots.</span>
          ) : null}
          {all.map((p) => (
            <PolicyCheckbox
              key={p.id}
              policy={p}
              checked={chosen.includes(p.id)}
              onChange={(on) => setChosen((c) => toggled(c, p.id, on))}
            />
          ))}
          <div className="row">
            <button type="submit" className="btn btn-sm btn-primary" disabled={busy}>
              Save
            </button>
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : members.length === 0 ? (
        <div className="card-body muted small">No policies yet.</div>
      ) : (
        <ul className="plain-list">
          {members.map((p) => (
            <li key={p.id}>
              <Link href={`/policies/${p.id}`}>{p.name}</Link> <code className="small">{p.packagePath}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
