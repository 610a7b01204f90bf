"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { PlusIcon } from "@/components/icons";
import { ProblemAlert, FormActions } from "@/components/form-parts";

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
        <div className="field">
          <label htmlFor="b-name">Name</label>
          <input
            id="b-name"
            name="name"
            className="input mono"
            placeholder="main"
            required
            pattern="[a-z0-9][a-z0-9_\-]{0,62}"
          />
          <span className="hint">Agents fetch /api/opa/bundles/&lt;name&gt;.</span>
        </div>
        <div className="field">
          <label htmlFor="b-roots">Roots</label>
          <input
            id="b-roots"
            className="input mono"
            value={roots}
            onChange={(e) => setRoots(e.target.value)}
            placeholder="httpapi, payments"
            required
          />
          <span className="hint">Data paths this bundle owns, comma-separated.</span>
        </div>
        <div className="field">
          <label htmlFor="b-description">Description</label>
          <input id="b-description" name="description" className="input" placeholder="What runs it" />
        </div>
      </div>
      <fieldset className="stack" style={{ border: "none", padding: 0, margin: 0, gap: 6 }}>
        <legend className="label" style={{ marginBottom: 6 }}>
          Policies it ships (only those under the roots)
        </legend>
        {policies.filter(fits).length === 0 ? (
          <span className="muted small">
            {rootList.length
              ? "No policy package lies under these roots yet."
              : "Enter roots to see the policies that fit."}
          </span>
        ) : null}
        <div className="row row-wrap" style={{ gap: 14 }}>
          {policies.filter(fits).map((p) => (
            <label key={p.id} className="checkbox">
              <input
                type="checkbox"
                checked={chosen.includes(p.id)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, p.id] : c.filter((x) => x !== p.id)))}
              />{" "}
              {p.name} <code className="small">{p.packagePath}</code>
            </label>
          ))}
        </div>
      </fieldset>
      <ProblemAlert error={error} />
      <FormActions submit="Create bundle" onCancel={() => setOpen(false)} />
    </form>
  );
}
