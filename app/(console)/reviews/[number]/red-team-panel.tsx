"use client";

import { useCallback, useEffect, useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { formatDateTime, timeAgo } from "@/components/format";
import { DataTable } from "@/components/ui";
import type { RedTeamFinding, RedTeamRunView } from "@/lib/red-team/run-red-team";

const SHOWN = 20;

function findingText(f: RedTeamFinding): { title: string; detail: string } {
  if (f.type === "allowlist") return { title: `${f.family}: ${f.description}`, detail: JSON.stringify(f.input) };
  return {
    title: `${f.path}: still allowed with every mutation (${f.mutations.join("; ")})`,
    detail: JSON.stringify(f.input),
  };
}

/** Generated adversarial inputs against the proposed policies; a run with findings blocks publishing. */
export function RedTeamPanel({ number, canRun }: { number: number; canRun: boolean }) {
  const [runs, setRuns] = useState<RedTeamRunView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setRuns((await api<{ items: RedTeamRunView[] }>(`/api/v1/change-requests/${number}/red-team`)).items);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not load the red-team runs");
    }
  }, [number]);
  useEffect(() => void load(), [load]);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const latest = await api<RedTeamRunView>(`/api/v1/change-requests/${number}/red-team`, { body: {} });
      setRuns((previous) => [latest, ...(previous ?? [])]);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The red-team run failed");
    } finally {
      setBusy(false);
    }
  }

  const latest = runs?.find((r) => r.current) ?? null;
  return (
    <section className="card" aria-label="Red team" aria-busy={busy}>
      <div className="card-header">
        <div>
          <h2>Red team</h2>
          <p className="muted small">
            Near misses of every allowlist grant and mutations of recorded allowed decisions, run against the proposed
            policies. Findings block publishing.
          </p>
        </div>
        {canRun ? (
          <button type="button" className="btn btn-sm" onClick={() => void run()} disabled={busy}>
            {busy ? <span className="spinner" aria-hidden /> : null} {latest ? "Run again" : "Run red team"}
          </button>
        ) : null}
      </div>
      <div className="card-body stack">
        {error ? (
          <div className="alert alert-danger" role="alert">
            {error}
          </div>
        ) : null}
        {runs === null ? <p className="muted small">Loading…</p> : null}
        {runs !== null && !latest ? (
          <p className="muted small">
            Not run on this content yet. Running it is optional; its findings gate publishing.
          </p>
        ) : null}
        {latest ? (
          <>
            <p className="small" data-testid="red-team-summary">
              <span className={`badge ${latest.passed ? "badge-ok" : "badge-danger"}`}>
                {latest.passed
                  ? "passed"
                  : `${latest.findings.length} finding${latest.findings.length === 1 ? "" : "s"}`}
              </span>{" "}
              {latest.probes.toLocaleString("en-US")} probes · {latest.runBy} ·{" "}
              <span title={formatDateTime(latest.createdAt)}>{timeAgo(latest.createdAt)}</span>
            </p>
            {latest.errors.map((e) => (
              <div key={`${e.code}-${e.message}`} className="alert alert-danger" role="alert">
                {e.message}
              </div>
            ))}
            {latest.findings.length > 0 ? (
              <DataTable label="Red-team findings" columns={["Allowed although it should not be", "Input"]}>
                {latest.findings.slice(0, SHOWN).map((f) => {
                  const { title, detail } = findingText(f);
                  return (
                    <tr key={`${title}${detail}`}>
                      <td className="small">{title}</td>
                      <td className="mono small">{detail}</td>
                    </tr>
                  );
                })}
              </DataTable>
            ) : null}
            {latest.findings.length > SHOWN ? (
              <p className="muted small">and {latest.findings.length - SHOWN} more (GET …/red-team lists all)</p>
            ) : null}
          </>
        ) : null}
      </div>
    </section>
  );
}
