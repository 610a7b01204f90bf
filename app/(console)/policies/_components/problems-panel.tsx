"use client";

import { AlertIcon, CheckIcon } from "@/components/icons";
import type { LintState } from "./use-rego-lint";

export function ProblemsPanel({ lint, onReveal }: { lint: LintState; onReveal: (row: number, col?: number) => void }) {
  const problems = [
    ...lint.errors.map((e) => ({ ...e, severity: "error" as const })),
    ...lint.warnings.map((e) => ({ ...e, severity: "warning" as const })),
  ];
  return (
    <section className="card" aria-labelledby="problems-title">
      <div className="card-header">
        <h2 id="problems-title" style={{ fontSize: 14 }}>
          Problems
        </h2>
        <span className="row small muted" aria-live="polite">
          {lint.status === "checking" ? (
            <>
              <span className="spinner" aria-hidden /> checking with opa…
            </>
          ) : null}
          {lint.status === "done" ? (
            <>
              <span className={`badge ${lint.errors.length ? "badge-danger" : "badge-ok"}`}>
                {lint.errors.length} error{lint.errors.length === 1 ? "" : "s"}
              </span>
              <span className={`badge ${lint.warnings.length ? "badge-warn" : ""}`}>
                {lint.warnings.length} warning{lint.warnings.length === 1 ? "" : "s"}
              </span>
            </>
          ) : null}
        </span>
      </div>
      {lint.status === "failed" ? (
        <div className="card-body">
          <div className="alert alert-warn">{lint.failure}</div>
        </div>
      ) : null}
      {lint.status === "done" && problems.length === 0 ? (
        <div className="card-body row muted">
          <CheckIcon className="" /> <span>opa check found no problems.</span>
        </div>
      ) : null}
      {problems.length > 0 ? (
        <ul className="problems" data-testid="problems">
          {problems.map((p, i) => (
            <li key={`${p.row}:${p.col}:${i}`}>
              <button type="button" onClick={() => onReveal(p.row ?? 1, p.col)}>
                <span
                  style={{ color: p.severity === "error" ? "var(--danger)" : "var(--warn)", width: 16, flex: "none" }}
                >
                  <AlertIcon />
                </span>
                <span style={{ flex: 1 }}>
                  {p.message}
                  <span className="muted small"> · {p.code}</span>
                </span>
                <span className="problem-loc">{p.row ? `${p.row}:${p.col ?? 1}` : ""}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
