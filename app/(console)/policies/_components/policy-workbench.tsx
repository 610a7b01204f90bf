"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { RegoEditor, type RegoEditorHandle } from "@/components/monaco";
import { toast } from "@/components/toaster";
import { HistoryIcon, TestIcon } from "@/components/icons";
import { timeAgo } from "@/components/format";
import type { TTestCase } from "@/lib/policy-tests/schemas";
import type { TestRunView } from "@/lib/policy-tests/test-run-views";
import type { Outcome } from "@/lib/policy-tests/types";
import { ProblemsPanel } from "./problems-panel";
import { regoErrorsOf, toMarkers, useRegoLint } from "./use-rego-lint";
import { ConflictDialog, type Conflict } from "./conflict-dialog";
import { CasesEditor } from "./tests/cases-editor";
import { TestResultsPanel } from "./tests/test-results-panel";
import { TestRunHistory } from "./tests/test-run-history";
import { ImportExportMenu } from "./tests/import-export-menu";
import { useTestRunner } from "./tests/use-test-runner";
import { ConvertV0Dialog, type Converted } from "./convert-v0-dialog";

type RegoVersion = "v0" | "v1";
type SaveOverride = Converted & { regoVersion: RegoVersion; message: string };

export type WorkbenchVersion = {
  number: number;
  source: string;
  sha256: string;
  message: string;
  createdAt: string;
  author: { name: string; email: string };
  testSource: string;
  testCases: TTestCase[];
  regoVersion: RegoVersion;
};
export type WorkbenchPolicy = {
  id: string;
  name: string;
  packagePath: string;
  owner: string;
  description: string;
  fileName: string;
  head: WorkbenchVersion;
};

type Tab = "policy" | "tests" | "cases";

export function PolicyWorkbench({
  policy,
  canWrite,
  canRun,
  initialRun,
  children,
}: {
  policy: WorkbenchPolicy;
  canWrite: boolean;
  canRun: boolean;
  initialRun: TestRunView | null;
  children?: React.ReactNode;
}) {
  const router = useRouter();
  const [base, setBase] = useState<WorkbenchVersion>(policy.head);
  const [source, setSource] = useState(policy.head.source);
  const [testSource, setTestSource] = useState(policy.head.testSource);
  const [cases, setCases] = useState<TTestCase[]>(policy.head.testCases);
  const [regoVersion, setRegoVersion] = useState<RegoVersion>(policy.head.regoVersion);
  const [converting, setConverting] = useState(false);
  const [tab, setTab] = useState<Tab>("policy");
  const [selectedCase, setSelectedCase] = useState<string | null>(null);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState<"saving" | "formatting" | null>(null);
  const [saveErrors, setSaveErrors] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const policyEditor = useRef<RegoEditorHandle | null>(null);
  const testsEditor = useRef<RegoEditorHandle | null>(null);
  const lint = useRegoLint(source, policy.fileName, regoVersion);
  const markers = useMemo(() => toMarkers(lint), [lint]);
  // The initial run is the latest run of the head's exact content, so its coverage fits the head source.
  const runner = useTestRunner(policy.id, { run: initialRun, source: initialRun ? policy.head.source : null });
  const casesChanged = JSON.stringify(cases) !== JSON.stringify(base.testCases);
  const dirty =
    source !== base.source || testSource !== base.testSource || casesChanged || regoVersion !== base.regoVersion;
  const testFile = policy.fileName.replace(/policy\.rego$/, "policy_test.rego");

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // Keystrokes can land between an edit and the re-render that follows it: run what the editors hold now.
  const latest = useRef({ source, testSource, cases });
  latest.current = { source, testSource, cases };
  const editSource = useCallback((v: string) => {
    latest.current.source = v;
    setSource(v);
  }, []);
  const editTests = useCallback((v: string) => {
    latest.current.testSource = v;
    setTestSource(v);
  }, []);
  const editCases = useCallback((v: TTestCase[]) => {
    latest.current.cases = v;
    setCases(v);
  }, []);
  const runTests = useCallback(() => {
    if (!canRun || runner.running) return;
    void runner.runAll({ ...latest.current, basedOnVersion: base.number, regoVersion });
  }, [base.number, canRun, runner, regoVersion]);

  // Ctrl+Enter anywhere on the page (the editors bind it themselves).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (
        (e.ctrlKey || e.metaKey) &&
        e.key === "Enter" &&
        !e.defaultPrevented &&
        !(e.target as HTMLElement | null)?.closest?.(".monaco-editor")
      ) {
        e.preventDefault();
        runTests();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [runTests]);

  const format = useCallback(async () => {
    setBusy("formatting");
    const editing = tab === "tests" ? testSource : source;
    try {
      const result = await api<{ formatted: string; changed: boolean }>("/api/v1/rego/format", {
        body: { source: editing, fileName: tab === "tests" ? testFile : policy.fileName, regoVersion },
      });
      if (tab === "tests") setTestSource(result.formatted);
      else setSource(result.formatted);
      toast(result.changed ? "Formatted with opa fmt" : "Already formatted");
    } catch (error) {
      toast(error instanceof ApiError ? error.message : "Format failed", "danger");
    } finally {
      setBusy(null);
    }
  }, [tab, testSource, source, testFile, policy.fileName, regoVersion]);

  const save = useCallback(
    async (expectedVersion = base.number, override?: SaveOverride) => {
      if (!canWrite || busy) return;
      setBusy("saving");
      setSaveErrors(null);
      try {
        const result = await api<{ version: WorkbenchVersion; created: boolean }>(
          `/api/v1/policies/${policy.id}/versions`,
          {
            body: { source, message, expectedVersion, testSource, testCases: cases, regoVersion, ...override },
          },
        );
        setBase(result.version);
        setCases(result.version.testCases);
        if (override) {
          setSource(result.version.source);
          setTestSource(result.version.testSource);
          setRegoVersion(result.version.regoVersion);
          setConverting(false);
        }
        setConflict(null);
        setMessage("");
        toast(result.created ? `Saved version ${result.version.number}` : "No changes to save");
        router.refresh();
      } catch (error) {
        if (error instanceof ApiError && error.status === 409 && error.problem.current) {
          setConflict({ current: error.problem.current as WorkbenchVersion, yours: source });
        } else if (error instanceof ApiError) {
          const errors = regoErrorsOf(error);
          setSaveErrors(errors.length ? `${error.message}: see Problems` : error.message);
          toast(error.message, "danger");
        } else {
          toast("Save failed: the server could not be reached", "danger");
        }
      } finally {
        setBusy(null);
      }
    },
    [base.number, busy, canWrite, cases, message, policy.id, router, source, testSource, regoVersion],
  );

  const reveal = useCallback(
    (file: string, row: number) => {
      const target = file === testFile ? "tests" : file === policy.fileName ? "policy" : null;
      if (!target) return;
      setTab(target);
      setTimeout(() => (target === "tests" ? testsEditor : policyEditor).current?.revealLine(row), 0);
    },
    [policy.fileName, testFile],
  );

  const acceptActual = useCallback((caseId: string, actual: Outcome) => {
    setCases((current) =>
      current.map((c) =>
        c.id === caseId ? { ...c, expected: actual.defined ? JSON.stringify(actual.value, null, 2) : "undefined" } : c,
      ),
    );
    toast("Expected value updated in the draft: run the tests again, then save");
  }, []);

  const coverage =
    runner.run?.coverage && runner.ranSource === source
      ? { covered: runner.run.coverage.covered, notCovered: runner.run.coverage.notCovered }
      : null;
  const statusById = useMemo(() => new Map((runner.run?.cases ?? []).map((c) => [c.id, c.status])), [runner.run]);
  const knownCaseIds = useMemo(() => new Set(cases.map((c) => c.id)), [cases]);
  const subject = { source, testSource, cases, basedOnVersion: base.number, regoVersion };
  const looksV0 = regoVersion === "v1" && lint.detectedRegoVersion === "v0";

  return (
    <div className="editor-layout">
      <div className="stack">
        <div className="editor-frame">
          <div className="editor-toolbar">
            {canWrite ? (
              <>
                <label htmlFor="commit-message" className="sr-only">
                  Change message
                </label>
                <input
                  id="commit-message"
                  className="input"
                  style={{ maxWidth: 220, height: 30 }}
                  placeholder="Describe the change (optional)"
                  value={message}
                  onChange={(e) => setMessage(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) void save();
                  }}
                />
                <button
                  type="button"
                  className="btn btn-primary"
                  onClick={() => void save()}
                  disabled={busy !== null || !dirty}
                  aria-keyshortcuts="Control+S"
                >
                  {busy === "saving" ? <span className="spinner" aria-hidden /> : null} Save <kbd>Ctrl S</kbd>
                </button>
              </>
            ) : (
              <span className="badge">Read only</span>
            )}
            <button
              type="button"
              className="btn"
              onClick={() => void format()}
              disabled={busy !== null || tab === "cases"}
              aria-keyshortcuts="Shift+Alt+F"
            >
              {busy === "formatting" ? <span className="spinner" aria-hidden /> : null} Format <kbd>⇧ Alt F</kbd>
            </button>
            {canRun ? (
              <button
                type="button"
                className="btn"
                onClick={runTests}
                disabled={runner.running !== null}
                aria-keyshortcuts="Control+Enter"
              >
                {runner.running === "all" ? <span className="spinner" aria-hidden /> : <TestIcon />} Run tests{" "}
                <kbd>Ctrl Enter</kbd>
              </button>
            ) : null}
            {regoVersion === "v0" ? (
              <>
                <span className="badge badge-warn" title="Kept in Rego v0 by its owner: read as v0 everywhere">
                  Rego v0
                </span>
                <button type="button" className="btn" onClick={() => setConverting(true)} disabled={busy !== null}>
                  Convert to v1…
                </button>
              </>
            ) : null}
            <span className="spacer" />
            <ImportExportMenu policyId={policy.id} headNumber={base.number} canWrite={canWrite} dirty={dirty} />
            <Link href={`/policies/${policy.id}/history`} className="btn btn-ghost">
              <HistoryIcon /> History
            </Link>
          </div>
          <div className="tabs editor-tabs" role="tablist" aria-label="Policy files">
            <button type="button" role="tab" aria-selected={tab === "policy"} onClick={() => setTab("policy")}>
              policy.rego
            </button>
            <button type="button" role="tab" aria-selected={tab === "tests"} onClick={() => setTab("tests")}>
              policy_test.rego
            </button>
            <button type="button" role="tab" aria-selected={tab === "cases"} onClick={() => setTab("cases")}>
              Cases <span className="badge">{cases.length}</span>
            </button>
          </div>
          {looksV0 ? (
            <div className="alert alert-info" role="status" style={{ margin: 10 }}>
              This module is written in Rego v0, which OPA 1.x does not read as it is.
              <button type="button" className="btn btn-sm" onClick={() => setConverting(true)}>
                Convert to v1…
              </button>
              {canWrite ? (
                <button type="button" className="btn btn-sm" onClick={() => setRegoVersion("v0")}>
                  Keep as Rego v0
                </button>
              ) : null}
            </div>
          ) : null}
          <div hidden={tab !== "policy"} role="tabpanel" aria-label="policy.rego">
            <RegoEditor
              value={source}
              onChange={editSource}
              markers={markers}
              coverage={coverage}
              readOnly={!canWrite}
              height="56vh"
              onSave={() => void save()}
              onFormat={() => void format()}
              onRun={runTests}
              onReady={(h) => (policyEditor.current = h)}
              ariaLabel={`Rego source of ${policy.name}`}
            />
          </div>
          <div hidden={tab !== "tests"} role="tabpanel" aria-label="policy_test.rego">
            {testSource === "" && canWrite ? (
              <div className="alert alert-info" style={{ margin: 10 }}>
                Rego unit tests run with <code>opa test</code>.
                <button
                  type="button"
                  className="btn btn-sm"
                  onClick={() => setTestSource(testTemplate(policy.packagePath))}
                >
                  Start from a template
                </button>
              </div>
            ) : null}
            <RegoEditor
              value={testSource}
              onChange={editTests}
              readOnly={!canWrite}
              height="56vh"
              onSave={() => void save()}
              onFormat={() => void format()}
              onRun={runTests}
              onReady={(h) => (testsEditor.current = h)}
              ariaLabel="Rego tests"
            />
          </div>
          {tab === "cases" ? (
            <CasesEditor
              cases={cases}
              onChange={editCases}
              readOnly={!canWrite}
              packagePath={policy.packagePath}
              statusById={statusById}
              onRun={runTests}
              selectedId={selectedCase}
              onSelect={setSelectedCase}
            />
          ) : null}
          <div className="editor-status" aria-live="polite">
            <span>
              {dirty ? (
                <>
                  <span className="dot dot-warn" /> Unsaved changes (based on v{base.number})
                </>
              ) : (
                <>
                  <span className="dot dot-ok" /> Saved as v{base.number}
                </>
              )}
            </span>
            {coverage ? (
              <span className="row small">
                <span className="coverage-swatch coverage-covered" aria-hidden /> covered{" "}
                <span className="coverage-swatch coverage-missed" aria-hidden /> not covered
              </span>
            ) : null}
            <span className="spacer" />
            <span className="mono">
              {tab === "tests" ? testFile : tab === "cases" ? `${cases.length} cases` : policy.fileName}
            </span>
          </div>
        </div>
        {saveErrors ? (
          <div role="alert" className="alert alert-danger">
            {saveErrors}
          </div>
        ) : null}
        <TestResultsPanel
          run={runner.run}
          running={runner.running}
          failure={runner.failure}
          canWrite={canWrite}
          knownCaseIds={knownCaseIds}
          onRerun={(id) => void runner.rerunCase(subject, id)}
          onAccept={acceptActual}
          onReveal={reveal}
        />
        {children}
      </div>

      <div className="stack">
        <ProblemsPanel
          lint={lint}
          onReveal={(row, col) => {
            setTab("policy");
            setTimeout(() => policyEditor.current?.revealLine(row, col), 0);
          }}
        />
        <TestRunHistory
          policyId={policy.id}
          refreshKey={runner.historyKey}
          shownId={runner.run?.id ?? null}
          onShow={(id) => void runner.showRun(id)}
        />
        <section className="card" aria-labelledby="details-title">
          <div className="card-header">
            <h2 id="details-title" style={{ fontSize: 14 }}>
              Details
            </h2>
          </div>
          <div className="card-body">
            <dl className="meta-list">
              <dt>Package</dt>
              <dd>
                <code>{policy.packagePath}</code>
              </dd>
              <dt>Owner</dt>
              <dd>{policy.owner}</dd>
              <dt>Rego</dt>
              <dd>{regoVersion === "v0" ? "v0 (kept by its owner)" : "v1"}</dd>
              <dt>Version</dt>
              <dd>
                v{base.number} <span className="muted small mono">{base.sha256.slice(0, 10)}</span>
              </dd>
              <dt>Saved</dt>
              <dd>
                {timeAgo(base.createdAt)} by {base.author.name}
              </dd>
              {base.message ? (
                <>
                  <dt>Message</dt>
                  <dd>{base.message}</dd>
                </>
              ) : null}
            </dl>
            {policy.description ? (
              <p className="muted small" style={{ marginTop: 12 }}>
                {policy.description}
              </p>
            ) : null}
          </div>
        </section>
      </div>

      {converting ? (
        <ConvertV0Dialog
          source={source}
          testSource={testSource}
          fileName={policy.fileName}
          nextVersion={base.number + 1}
          canWrite={canWrite}
          keptAsV0={regoVersion === "v0"}
          onSave={(converted) =>
            void save(base.number, { ...converted, regoVersion: "v1", message: message || "Converted to Rego v1" })
          }
          onKeepV0={() => {
            setRegoVersion("v0");
            setConverting(false);
            toast("Kept as Rego v0: save to record the choice");
          }}
          onClose={() => setConverting(false)}
        />
      ) : null}
      {conflict ? (
        <ConflictDialog
          conflict={conflict}
          onTakeTheirs={() => {
            setBase(conflict.current);
            setSource(conflict.current.source);
            setTestSource(conflict.current.testSource);
            setCases(conflict.current.testCases);
            setRegoVersion(conflict.current.regoVersion);
            setConflict(null);
            toast(`Loaded version ${conflict.current.number}`);
          }}
          onSaveMineOnTop={() => {
            setBase(conflict.current);
            void save(conflict.current.number);
          }}
          onClose={() => setConflict(null)}
        />
      ) : null}
    </div>
  );
}

function testTemplate(pkg: string): string {
  return `package ${pkg}_test\n\ntest_allows_an_example if {\n\tdata.${pkg}.allow with input as {}\n}\n`;
}
