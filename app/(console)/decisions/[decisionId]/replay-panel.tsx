"use client";

import { useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { ReplayIcon } from "@/components/icons";
import type { ReplayResult } from "@/lib/decisions/replay-decision";

type Target = { value: string; label: string };

/** Re-evaluates the recorded input with opa against current or published policies; changes nothing. */
export function ReplayPanel({ decisionId, at, targets }: { decisionId: string; at: string; targets: Target[] }) {
  const [against, setAgainst] = useState(targets[0]?.value ?? "current");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ReplayResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function replay() {
    setBusy(true);
    setError(null);
    try {
      setResult(
        await api<ReplayResult>(`/api/v1/decisions/${encodeURIComponent(decisionId)}/replay`, {
          body: { at, against },
        }),
      );
    } catch (e) {
      setResult(null);
      setError(e instanceof ApiError ? e.message : "The replay failed");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card">
      <div className="card-header">
        <div>
          <h2>Replay</h2>
          <p className="muted small">
            Evaluate this input again with <code>opa eval</code> and see whether the decision would come out the same
            way. Nothing is changed or recorded.
          </p>
        </div>
        <div className="row">
          <label htmlFor="replay-against" className="sr-only">
            Replay against
          </label>
          <select
            id="replay-against"
            className="input"
            style={{ width: 380 }}
            value={against}
            onChange={(e) => setAgainst(e.target.value)}
          >
            {targets.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
          <button type="button" className="btn btn-primary" onClick={() => void replay()} disabled={busy}>
            {busy ? <span className="spinner" aria-hidden /> : <ReplayIcon />} Replay
          </button>
        </div>
      </div>
      <div className="card-body" aria-live="polite">
        {error ? (
          <div className="alert alert-danger" role="alert">
            {error}
          </div>
        ) : null}
        {result ? <ReplayOutcome result={result} /> : !error ? <p className="muted small">Not replayed yet.</p> : null}
      </div>
    </div>
  );
}

function ReplayOutcome({ result }: { result: ReplayResult }) {
  const verdict =
    result.errors.length > 0
      ? { cls: "alert-danger", text: "The policies did not evaluate" }
      : result.sameResult
        ? {
            cls: "alert-ok",
            text: `Same decision: still ${result.replayed?.outcome === "other" ? "undefined" : result.replayed?.outcome}, identical result`,
          }
        : result.sameOutcome
          ? { cls: "alert-info", text: `Same outcome (${result.replayed?.outcome}), but the result document differs` }
          : {
              cls: "alert-warn",
              text: `Would now be ${result.replayed?.outcome === "other" ? "undefined" : result.replayed?.outcome} (recorded: ${result.recorded.outcome})`,
            };
  return (
    <div className="stack">
      <div className={`alert ${verdict.cls}`} data-testid="replay-verdict">
        <strong>{verdict.text}</strong>
      </div>
      <div className="muted small">
        {result.against.label} · query <code>{result.query}</code> · {result.policies.length} polic
        {result.policies.length === 1 ? "y" : "ies"} · {Math.round(result.durationMs)} ms
      </div>
      {result.errors.length > 0 ? (
        <ul className="problems card">
          {result.errors.map((e, i) => (
            <li key={i}>
              <span className="problem-loc">{e.file ? `${e.file}:${e.row ?? "?"}` : e.code}</span> {e.message}
            </li>
          ))}
        </ul>
      ) : (
        <div className="grid-2">
          <div>
            <div className="label small">Recorded result</div>
            <pre className="json-view">
              {result.recorded.defined ? JSON.stringify(result.recorded.result, null, 2) : "undefined"}
            </pre>
          </div>
          <div>
            <div className="label small">Replayed result</div>
            <pre className="json-view">
              {result.replayed?.defined ? JSON.stringify(result.replayed.result, null, 2) : "undefined"}
            </pre>
          </div>
        </div>
      )}
    </div>
  );
}
