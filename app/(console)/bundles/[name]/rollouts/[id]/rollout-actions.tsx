"use client";

import { useState } from "react";
import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import { ReasonInput } from "@/components/form-parts";

/** Promote the canary to every agent, or abort back to the baseline, with a recorded reason. */
export function RolloutActions({ bundle, id }: { bundle: string; id: string }) {
  const [reason, setReason] = useState("");
  const { busy, run } = useApiAction();

  async function end(how: "promote" | "abort") {
    await run(() => api(`/api/v1/bundles/${bundle}/rollouts/${id}/${how}`, { body: { reason } }), {
      done: () => (how === "promote" ? "Promoted to every agent" : "Aborted: every agent is back on the baseline"),
      failed: how === "promote" ? "Promote failed" : "Abort failed",
    });
  }

  const ready = !busy && reason.trim().length >= 3;
  return (
    <form className="row" onSubmit={(e) => e.preventDefault()}>
      <ReasonInput id={`rollout-${id}`} label="Reason" width={260} value={reason} onChange={setReason} />
      <button type="button" className="btn btn-sm btn-primary" disabled={!ready} onClick={() => void end("promote")}>
        Promote to all
      </button>
      <button type="button" className="btn btn-sm btn-danger" disabled={!ready} onClick={() => void end("abort")}>
        Abort
      </button>
    </form>
  );
}
