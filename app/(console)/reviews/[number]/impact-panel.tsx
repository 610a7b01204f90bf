"use client";

import { useCallback, useEffect, useState } from "react";
import Link from "next/link";
import { api, ApiError } from "@/components/api-client";
import { ReplayIcon } from "@/components/icons";
import type { FlipKind, ImpactExample, ImpactReport } from "@/lib/decisions/analyze-impact";
import { decisionHref } from "@/lib/decisions/decision-views";
import { DataTable, num } from "@/components/ui";

const WINDOWS = [1, 7, 30];
const KINDS: Array<{ kind: FlipKind; label: string; tone: string }> = [
  { kind: "allow_to_deny", label: "Allowed → denied", tone: "badge-danger" },
  { kind: "deny_to_allow", label: "Denied → allowed", tone: "badge-warn" },
  { kind: "other_change", label: "Other change", tone: "" },
];
const number = new Intl.NumberFormat("en-US");

/** Recent recorded decisions re-evaluated against this change request's policies: which would flip. */
export function ImpactPanel({ number: crNumber }: { number: number }) {
  const [days, setDays] = useState(7);
  const [report, setReport] = useState<ImpactReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = useCallback(
    async (windowDays: number) => {
      setBusy(true);
      setError(null);
      try {
        setReport(await api<ImpactReport>(`/api/v1/change-requests/${crNumber}/impact?windowDays=${windowDays}`));
      } catch (e) {
        setError(e instanceof ApiError ? e.message : "The impact analysis failed");
      } finally {
        setBusy(false);
      }
    },
    [crNumber],
  );

  useEffect(() => void run(days), [run, days]);

  return (
    <section className="card" aria-label="Impact on recent decisions" aria-busy={busy}>
      <div className="card-header">
        <div>
          <h2>Impact on recent decisions</h2>
          <p className="muted small">
            Distinct inputs of decisions agents recorded, re-evaluated against the proposed policies in one{" "}
            <code>opa eval</code>.
          </p>
        </div>
        <div className="row">
          <label htmlFor="impact-window" className="sr-only">
            Window
          </label>
          <select
            id="impact-window"
            className="input"
            style={{ width: 130 }}
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
          >
            {WINDOWS.map((d) => (
              <option key={d} value={d}>
                Last {d} day{d === 1 ? "" : "s"}
              </option>
            ))}
          </select>
          <button type="button" className="btn btn-sm" onClick={() => void run(days)} disabled={busy}>
            {busy ? <span className="spinner" aria-hidden /> : <ReplayIcon />} Re-run
          </button>
        </div>
      </div>
      <div className="card-body stack" aria-live="polite">
        {error ? (
          <div className="alert alert-danger" role="alert">
            {error}
          </div>
        ) : null}
        {!report && busy ? <div className="skeleton" style={{ height: 60 }} /> : null}
        {report ? <ImpactSummary report={report} /> : null}
      </div>
    </section>
  );
}

function ImpactSummary({ report }: { report: ImpactReport }) {
  if (report.errors.length > 0) {
    return (
      <div className="alert alert-danger" role="alert" data-testid="impact-errors">
        <div>
          <strong>The proposed policies fail on recorded inputs.</strong>{" "}
          {report.errors.map((e) => e.message).join("; ")}
        </div>
      </div>
    );
  }
  if (report.evaluated.inputs === 0) {
    return (
      <p className="muted small">
        No decisions under{" "}
        {report.packages.map((p) => (
          <code key={p}>{p}</code>
        ))}{" "}
        were recorded in the last {report.window.days} day{report.window.days === 1 ? "" : "s"}, so there is nothing to
        compare.
      </p>
    );
  }
  const flipped =
    report.flips.allow_to_deny.inputs + report.flips.deny_to_allow.inputs + report.flips.other_change.inputs;
  return (
    <>
      <p className="small" data-testid="impact-summary">
        {number.format(report.evaluated.inputs)} distinct input{report.evaluated.inputs === 1 ? "" : "s"} (
        {number.format(report.evaluated.decisions)} decisions) on{" "}
        {report.paths.map((p, i) => (
          <span key={p}>
            {i ? ", " : ""}
            <code>{p}</code>
          </span>
        ))}
        :{" "}
        {flipped === 0 ? (
          <strong>no decision would change.</strong>
        ) : (
          <strong>{number.format(flipped)} would be decided differently.</strong>
        )}
        {report.truncated ? (
          <span className="muted"> Capped at the newest {number.format(report.cap)} inputs.</span>
        ) : null}
      </p>
      <div className="row row-wrap">
        {KINDS.map(({ kind, label, tone }) => (
          <span key={kind} className={`badge ${report.flips[kind].inputs ? tone : ""}`}>
            {label}: {number.format(report.flips[kind].inputs)} input{report.flips[kind].inputs === 1 ? "" : "s"} ·{" "}
            {number.format(report.flips[kind].decisions)} decisions
          </span>
        ))}
        <span className="badge badge-ok">Unchanged: {number.format(report.unchanged.inputs)}</span>
      </div>
      {KINDS.map(({ kind, label }) => {
        const examples = report.examples.filter((e) => e.kind === kind);
        return examples.length ? <ExampleTable key={kind} title={label} examples={examples} /> : null;
      })}
      <p className="muted small">{report.context.note}</p>
    </>
  );
}

function ExampleTable({ title, examples }: { title: string; examples: ImpactExample[] }) {
  return (
    <div>
      <h3 style={{ marginBottom: 6 }}>{title} — examples</h3>
      <DataTable columns={["Input", "Recorded", "Proposed", num("Times")]} className="table impact-table">
        {examples.map((e) => (
          <tr key={`${e.decisionId}-${e.timestamp}`}>
            <td className="mono small">
              <Link
                href={decisionHref({ decisionId: e.decisionId, timestamp: e.timestamp })}
                title="Open the newest recorded decision"
              >
                {JSON.stringify(e.input)}
              </Link>
            </td>
            <td className="small">{e.recorded.outcome}</td>
            <td className="small">
              <strong>{e.proposed.defined ? e.proposed.outcome : "undefined"}</strong>
            </td>
            <td className="num small">{number.format(e.count)}</td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
