"use client";

import { useState } from "react";
import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";

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
      <label htmlFor={`rb-${number}`} className="sr-only">
        Reason for rolling back to {revision}
      </label>
      <input
        id={`rb-${number}`}
        className="input"
        style={{ width: 220 }}
        placeholder="Reason (audited)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        minLength={3}
        required
        autoFocus
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
