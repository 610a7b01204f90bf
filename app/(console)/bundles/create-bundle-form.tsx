"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { PlusIcon } from "@/components/icons";
import { ProblemAlert, FormActions, toggled } from "@/components/form-parts";
import { PlainFieldset, TextField } from "@/components/ui";
import { PolicyCheckbox } from "./policy-checkbox";

type PolicyOption = { id: string; name: string; packagePath: string };

/** Admins create a bundle: its name (part of the agent's URL), roots, and the policies it ships. */
export function CreateBundleForm({ policies, startOpen }: { policies: PolicyOption[]; startOpen: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(startOpen);
  const [roots, setRoots] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const rootList = roots
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter(Boolean);
  const fits = (p: PolicyOption) =>
    rootList.some((root) => {
      const path = p.packagePath.replaceAll(".", "/");
      return path === root || path.startsWith(`${root}/`);
    });

  async function create(form: FormData) {
    setError(null);
    try {
      const bundle = await api<{ name: string }>("/api/v1/bundles", {
        body: {
          name: form.get("name"),
          description: form.get("description"),
          roots: rootList,
          policyIds: chosen.filter((id) => policies.some((p) => p.id === id && fits(p))),
        },
      });
      toast(`Bundle ${bundle.name} created`);
      router.push(`/bundles/${bundle.name}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  }

  if (!open)
    return (
      <div>
        <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
          <PlusIcon /> New bundle
        </button>
      </div>
    );
  return (
    <form
      className="card card-body stack"
      aria-label="New bundle"
      onSubmit={(e) => {
        e.preventDefault();
        void create(new FormData(e.currentTarget));
      }}
    >
      <h2 style={{ fontSize: 14 }}>New bundle</h2>
      <div className="grid-3">
        <TextField
          id="b-name"
          label="Name"
          name="name"
          className="input mono"
          placeholder="main"
          required
          pattern="[a-z0-9][a-z0-9_\-]{0,62}"
          hint="Agents fetch /api/opa/bundles/<name>."
        />
        <TextField
          id="b-roots"
          label="Roots"
          className="input mono"
          value={roots}
          onChange={(e) => setRoots(e.target.value)}
          placeholder="httpapi, payments"
          required
          hint="Data paths this bundle owns, comma-separated."
        />
        <TextField id="b-description" label="Description" name="description" placeholder="What runs it" />
      </div>
      <PlainFieldset legend="Policies it ships (only those under the roots)" className="stack" gap={6}>
        {policies.filter(fits).length === 0 ? (
          <span className="muted small">
            {rootList.length
              ? "No policy package lies under these roots yet."
              : "Enter roots to see the policies that fit."}
          </span>
        ) : null}
        <div className="row row-wrap" style={{ gap: 14 }}>
          {policies.filter(fits).map((p) => (
            <PolicyCheckbox
              key={p.id}
              policy={p}
              checked={chosen.includes(p.id)}
              onChange={(on) => setChosen((c) => toggled(c, p.id, on))}
            />
          ))}
        </div>
      </PlainFieldset>
      <ProblemAlert error={error} />
      <FormActions submit="Create bundle" onCancel={() => setOpen(false)} />
    </form>
  );
}
