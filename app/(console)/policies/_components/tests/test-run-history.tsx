"use client";

import { useEffect, useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { timeAgo } from "@/components/format";
import type { TestRunSummaryView } from "@/lib/policy-tests/test-run-views";

/** The policy's recent runs (newest first); choosing one shows its results. */
export function TestRunHistory({
  policyId,
  refreshKey,
  shownId,
  onShow,
}: {
  policyId: string;
  refreshKey: number;
  shownId: string | null;
  onShow: (id: string) => void;
}) {
  const [state, setState] = useState<{ items: TestRunSummaryView[]; loading: boolean; error: string | null }>({
    items: [],
    loading: true,
    error: null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey is the parent's "load again" signal
  useEffect(() => {
    const controller = new AbortController();
    api<{ items: TestRunSummaryView[] }>(`/api/v1/policies/${policyId}/test-runs?limit=8`, {
      signal: controller.signal,
    })
      .then((r) => setState({ items: r.items, loading: false, error: null }))
      .catch(
        (e: unknown) =>
          !controller.signal.aborted &&
          setState((s) => ({ ...s, loading: false, error: e instanceof ApiError ? e.message : "Could not load runs" })),
      );
    return () => controller.abort();
  }, [policyId, refreshKey]);
  return (
    <section className="card" aria-labelledby="runs-title">
      <div className="card-header">
        <h2 id="runs-title" style={{ fontSize: 14 }}>
          Run history
        </h2>
      </div>
      {state.loading ? (
        <div className="card-body">
          <div className="skeleton" style={{ height: 60 }} />
        </div>
      ) : null}
      {state.error ? (
        <div className="card-body">
          <div className="alert alert-warn">{state.error}</div>
        </div>
      ) : null}
      {!state.loading && !state.error && state.items.length === 0 ? (
        <p className="card-body muted small">No runs yet.</p>
      ) : null}
      {state.items.length ? (
        <ul className="run-history" data-testid="run-history">
          {state.items.map((r) => (
            <li key={r.id}>
              <button type="button" aria-current={r.id === shownId} onClick={() => r.id && onShow(r.id)}>
                <span className={`badge ${r.passed ? "badge-ok" : "badge-danger"}`}>{r.status}</span>
                <span className="small">
                  {r.summary.passed}/{r.summary.total}
                </span>
                <span className="muted small truncate">
                  {r.inline && !r.version ? `draft on v${r.basedOnVersion ?? "?"}` : `v${r.version}`} ·{" "}
                  {r.createdBy.name}
                </span>
                <span className="spacer" />
                <span className="muted small nowrap">{timeAgo(r.createdAt)}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
