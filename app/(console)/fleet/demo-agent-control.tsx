"use client";

import { useState } from "react";
import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import { formatDateTime } from "@/components/format";
import type { DemoAgentView } from "@/lib/agents/demo-agent";

/** Start or stop the local demo agent: the pinned opa with a fresh credential, and traffic for it. */
export function DemoAgentControl({ initial }: { initial: DemoAgentView }) {
  const [state, setState] = useState(initial);
  const { busy, run } = useApiAction();

  async function start() {
    await run(() => api<DemoAgentView>("/api/v1/fleet/demo-agent", { body: { minutes: 10 } }), {
      done: (next) => {
        setState(next);
        return `Demo agent started; it appears here within a few seconds and sends decisions for 10 minutes`;
      },
      failed: "Could not start the demo agent",
    });
  }

  async function stop() {
    await run(() => api<DemoAgentView>("/api/v1/fleet/demo-agent", { method: "DELETE" }), {
      done: (next) => {
        setState(next);
        return "Demo agent stopped; its credential is revoked";
      },
      failed: "Could not stop the demo agent",
    });
  }

  if (!state.running) {
    return (
      <button type="button" className="btn" onClick={() => void start()} disabled={busy}>
        {busy ? "Starting…" : "Start a demo agent"}
      </button>
    );
  }
  return (
    <div className="row" role="status">
      <span className="badge badge-ok">
        Demo agent <span className="mono">{state.identity}</span> runs until {formatDateTime(state.endsAt!)}
      </span>
      <button type="button" className="btn btn-sm" onClick={() => void stop()} disabled={busy}>
        Stop demo agent
      </button>
    </div>
  );
}
