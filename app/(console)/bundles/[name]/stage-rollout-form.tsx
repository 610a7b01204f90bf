"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { ProblemAlert } from "@/components/form-parts";
import { toast } from "@/components/toaster";
import { defaultRolloutOptions, RolloutOptionsFields, rolloutFields } from "../../_components/rollout-options";

/** Stage the bundle's newest revision as a canary rollout against the one before it. */
export function StageRolloutForm({
  bundle,
  revision,
  baseline,
}: {
  bundle: string;
  revision: { number: number; revision: string };
  baseline: string;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState(defaultRolloutOptions);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [invalid, setInvalid] = useState<{ field: string; message: string } | null>(null);

  async function start() {
    setError(null);
    const fields = rolloutFields(options);
    if (!fields.ok) {
      setInvalid(fields);
      return;
    }
    setInvalid(null);
    setBusy(true);
    try {
      const created = await api<{ id: string }>(`/api/v1/bundles/${bundle}/rollouts`, {
        body: { revision: revision.number, ...fields.body },
      });
      toast(`Rollout of ${bundle} ${revision.revision} started`);
      router.push(`/bundles/${bundle}/rollouts/${created.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ status: 0, detail: "Starting the rollout failed" }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" style={{ marginBottom: 16 }} aria-labelledby="stage-rollout-title">
      <div className="card-header">
        <h2 id="stage-rollout-title" style={{ fontSize: 14 }}>
          Canary rollout
        </h2>
        {open ? null : (
          <button type="button" className="btn btn-sm" onClick={() => setOpen(true)} aria-expanded={false}>
            Stage {revision.revision} as a canary rollout…
          </button>
        )}
      </div>
      {open ? (
        <form
          className="card-body stack"
          style={{ gap: 10 }}
          aria-label={`Stage ${revision.revision} as a canary rollout`}
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <p className="small muted">
            Serves {revision.revision} to the canary agents first while the rest keep {baseline}; each stage is promoted
            from the decision logs, or the rollout aborts back to {baseline}.
          </p>
          <RolloutOptionsFields
            idPrefix="stage-rollout"
            value={options}
            onChange={(next) => {
              setOptions(next);
              setInvalid(null);
              setError(null);
            }}
            invalid={invalid?.field}
          />
          {invalid ? (
            <div role="alert" className="alert alert-danger small">
              {invalid.message}
            </div>
          ) : null}
          <ProblemAlert error={error} />
          <div className="row">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? "Starting…" : `Start rollout of ${revision.revision}`}
            </button>
            <button type="button" className="btn" onClick={() => setOpen(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
