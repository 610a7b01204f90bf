"use client";

import { useState } from "react";
import { timeAgo } from "@/components/format";
import type { TestRunView } from "@/lib/policy-tests/test-run-views";
import type { CaseResult, ExplanationStep, Outcome, RegoTestOutcome } from "@/lib/policy-tests/types";
import { formatOutcome, JsonDiff } from "./json-diff";
import { AcceptActualDialog } from "./accept-actual-dialog";

type Props = {
  run: TestRunView | null;
  running: string | null;
  failure: string | null;
  canWrite: boolean;
  knownCaseIds: Set<string>;
  onRerun: (caseId: string) => void;
  onAccept: (caseId: string, actual: Outcome) => void;
  onReveal: (file: string, row: number) => void;
};

const STATUS_LABEL = {
  passed: "passed",
  failed: "failed",
  error: "error",
  timeout: "timed out",
  skipped: "skipped",
} as const;

export function TestResultsPanel({
  run,
  running,
  failure,
  canWrite,
  knownCaseIds,
  onRerun,
  onAccept,
  onReveal,
}: Props) {
  const [accepting, setAccepting] = useState<CaseResult | null>(null);
  return (
    <section className="card" aria-labelledby="results-title" data-testid="test-results" aria-busy={running === "all"}>
      <div className="card-header">
        <h2 id="results-title" style={{ fontSize: 14 }}>
          Test results
        </h2>
        {run ? <RunSummaryLine run={run} /> : null}
      </div>
      {failure ? (
        <div className="card-body">
          <div role="alert" className="alert alert-danger">
            {failure}
          </div>
        </div>
      ) : null}
      {running === "all" && !run ? (
        <div className="card-body row muted">
          <span className="spinner" aria-hidden /> Running with opa…
        </div>
      ) : null}
      {!run && running !== "all" && !failure ? (
        <div className="empty" style={{ padding: 28 }}>
          <p>
            No run yet. Add cases or Rego tests, then press <kbd>Ctrl Enter</kbd> or <strong>Run tests</strong>.
          </p>
        </div>
      ) : null}
      {run ? (
        <>
          <ContextLine run={run} />
          {run.errors.length ? (
            <div className="card-body" style={{ paddingTop: 0 }}>
              <div role="alert" className="alert alert-danger stack" style={{ gap: 4 }}>
                {run.errors.map((e, i) => (
                  <button
                    key={i}
                    type="button"
                    className="link-button"
                    onClick={() => e.file && e.row && onReveal(e.file, e.row)}
                  >
                    <strong>{whereLabel(e.where)}:</strong> {e.message}
                    {e.file ? (
                      <span className="mono small">
                        {" "}
                        · {e.file}:{e.row}
                      </span>
                    ) : null}
                  </button>
                ))}
              </div>
            </div>
          ) : null}
          <ul className="test-list" aria-label="Cases">
            {run.cases.map((c) => (
              <CaseRow
                key={c.id}
                result={c}
                busy={running === c.id}
                canRerun={knownCaseIds.has(c.id) && running === null}
                canAccept={canWrite && knownCaseIds.has(c.id)}
                onRerun={() => onRerun(c.id)}
                onAccept={() => setAccepting(c)}
                onReveal={onReveal}
              />
            ))}
          </ul>
          {run.regoTests.length ? (
            <>
              <h3 className="test-list-heading">Rego tests</h3>
              <ul className="test-list" aria-label="Rego tests">
                {run.regoTests.map((t, i) => (
                  <RegoTestRow key={`${t.package}.${t.name}.${i}`} test={t} onReveal={onReveal} />
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
      {accepting?.actual ? (
        <AcceptActualDialog
          result={accepting}
          onCancel={() => setAccepting(null)}
          onConfirm={() => {
            onAccept(accepting.id, accepting.actual!);
            setAccepting(null);
          }}
        />
      ) : null}
    </section>
  );
}

function RunSummaryLine({ run }: { run: TestRunView }) {
  const s = run.summary;
  return (
    <span className="row row-wrap small" aria-live="polite">
      <span className={`badge ${run.status === "passed" ? "badge-ok" : "badge-danger"}`} data-testid="run-status">
        {run.status === "passed" ? "Passed" : run.status === "failed" ? "Failed" : "Errors"}
      </span>
      <span className="badge badge-ok">{s.passed} passed</span>
      {s.failed ? <span className="badge badge-danger">{s.failed} failed</span> : null}
      {s.errors ? <span className="badge badge-warn">{s.errors} errors</span> : null}
      {s.skipped ? <span className="badge">{s.skipped} skipped</span> : null}
      {run.coverage?.percent != null ? (
        <span className="badge badge-accent" title="Lines of the policy reached by cases and Rego tests">
          coverage {run.coverage.percent}%
        </span>
      ) : null}
      <span className="muted">
        {run.durationMs} ms ·{" "}
        {run.inline
          ? run.version
            ? `= v${run.version}`
            : `unsaved, based on v${run.basedOnVersion ?? "?"}`
          : `v${run.version}`}{" "}
        · {timeAgo(run.createdAt)}
      </span>
    </span>
  );
}

function ContextLine({ run }: { run: TestRunView }) {
  const ctx = run.context;
  const names = ctx.policies.map((p) => `${p.packagePath} v${p.version}`);
  const from =
    ctx.assembledFrom === "published"
      ? `as published (${(ctx.bundles ?? []).map((b) => `${b.name} ${b.revision}`).join(", ")})`
      : "at head versions (nothing published yet)";
  return (
    <p className="muted small test-context" title={ctx.note}>
      Context:{" "}
      {ctx.policies.length
        ? `${ctx.policies.length} other polic${ctx.policies.length === 1 ? "y" : "ies"} ${from}: ${names.slice(0, 4).join(", ")}${names.length > 4 ? ", …" : ""}`
        : `no other policies ${from}`}
      ; {ctx.data.description}. opa {run.opaVersion}, {run.timeoutMs} ms per case.
    </p>
  );
}

function CaseRow({
  result,
  busy,
  canRerun,
  canAccept,
  onRerun,
  onAccept,
  onReveal,
}: {
  result: CaseResult;
  busy: boolean;
  canRerun: boolean;
  canAccept: boolean;
  onRerun: () => void;
  onAccept: () => void;
  onReveal: Props["onReveal"];
}) {
  const [open, setOpen] = useState(result.status !== "passed");
  return (
    <li className={`test-row test-${result.status}`} data-testid={`case-${result.name}`}>
      <div className="test-row-head">
        <button type="button" className="test-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          <StatusDot status={result.status} />
          <span className="test-name">{result.name}</span>
          <span className="muted small mono truncate">{result.query}</span>
          <span className="spacer" />
          <span className="small" data-testid="case-status">
            {STATUS_LABEL[result.status]}
          </span>
          <span className="muted small mono">{result.durationMs !== null ? `${result.durationMs} ms` : ""}</span>
        </button>
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          onClick={onRerun}
          disabled={!canRerun}
          aria-label={`Re-run ${result.name}`}
        >
          {busy ? <span className="spinner" aria-hidden /> : "↻"} Re-run
        </button>
      </div>
      {open ? (
        <div className="test-row-body">
          {result.message ? <div className="alert alert-danger small">{result.message}</div> : null}
          {result.status === "failed" ? <JsonDiff expected={result.expected} actual={result.actual} /> : null}
          {result.status === "passed" ? <pre className="json-view">{formatOutcome(result.actual)}</pre> : null}
          <Explanation steps={result.explanation} onReveal={onReveal} />
          {result.output ? (
            <>
              <div className="label small">print output</div>
              <pre className="json-view">{result.output}</pre>
            </>
          ) : null}
          {result.status === "failed" && canAccept ? (
            <button type="button" className="btn btn-sm" onClick={onAccept}>
              Use actual as expected…
            </button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

function RegoTestRow({ test, onReveal }: { test: RegoTestOutcome; onReveal: Props["onReveal"] }) {
  const [open, setOpen] = useState(test.status === "failed" || test.status === "error" || test.status === "timeout");
  return (
    <li className={`test-row test-${test.status}`} data-testid={`regotest-${test.name}`}>
      <div className="test-row-head">
        <button type="button" className="test-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          <StatusDot status={test.status} />
          <span className="test-name mono">{test.name}</span>
          <span className="muted small mono truncate">{test.package.replace(/^data\./, "")}</span>
          <span className="spacer" />
          <span className="small">{STATUS_LABEL[test.status]}</span>
          <span className="muted small mono">{test.durationMs} ms</span>
        </button>
        {test.file && test.row ? (
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => onReveal(test.file!, test.row!)}>
            Go to
          </button>
        ) : null}
      </div>
      {open && (test.message || test.explanation?.length || test.output) ? (
        <div className="test-row-body">
          {test.message ? <div className="alert alert-danger small">{test.message}</div> : null}
          <Explanation steps={test.explanation} onReveal={onReveal} />
          {test.output ? <pre className="json-view">{test.output}</pre> : null}
        </div>
      ) : null}
    </li>
  );
}

function Explanation({ steps, onReveal }: { steps?: ExplanationStep[]; onReveal: Props["onReveal"] }) {
  if (!steps?.length) return null;
  return (
    <div>
      <div className="label small">Why (opa --explain fails)</div>
      <ol className="explanation">
        {steps.map((s, i) => (
          <li key={i}>
            <button type="button" className="link-button mono small" onClick={() => onReveal(s.file, s.row)}>
              {s.file.split("/").pop()}:{s.row}
            </button>
            <code>{s.source}</code>
            {s.op === "Default" ? (
              <span className="muted small"> no rule matched this input, so the default decided</span>
            ) : null}
            {s.values?.length ? (
              <span className="muted small mono">
                {" "}
                {s.values.map((v) => `${v.name ? `${v.name} = ` : ""}${JSON.stringify(v.value)}`).join(", ")}
              </span>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

function StatusDot({ status }: { status: string }) {
  const cls =
    status === "passed" ? "dot-ok" : status === "failed" ? "dot-danger" : status === "skipped" ? "" : "dot-warn";
  return <span className={`dot ${cls}`} aria-hidden />;
}

function whereLabel(where: string): string {
  return (
    { policy: "The policy does not compile", tests: "The test module", context: "The evaluation context", opa: "opa" }[
      where
    ] ?? where
  );
}
