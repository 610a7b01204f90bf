"use client";

import { useState } from "react";
import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import { ReasonInput } from "@/components/form-parts";

/** Roll back: republish this revision's content as a new revision, with a recorded reason. */
export function RevisionActions({ bundle, number, revision }: { bundle: string; number: number; revision: string }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const { busy, run } = useApiAction();

  async function rollback() {
    await run(
      () => api<{ revision: string }>(`/api/v1/bundles/${bundle}/rollback`, { body: { toRevision: number, reason } }),
      {
        done: (created) => {
          setAsking(false);
          return `Republished ${revision} as ${created.revision}`;
        },
        failed: "Rollback failed",
      },
    );
  }

  if (!asking)
    return (
      <button type="button" className="btn btn-sm" onClick={() => setAsking(true)}>
        Roll back to {revision}…
      </button>
    );
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        void rollback();
      }}
    >
      <ReasonInput
        id={`rb-${number}`}
        label={<>Reason for rolling back to {revision}</>}
        width={220}
        value={reason}
        onChange={setReason}
      />
      <button type="submit" className="btn btn-sm btn-primary" disabled={busy || reason.trim().length < 3}>
        {busy ? <span className="spinner" aria-hidden /> : null} Roll back
      </button>
      <button type="button" className="btn btn-sm btn-ghost" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </form>
  );
}
