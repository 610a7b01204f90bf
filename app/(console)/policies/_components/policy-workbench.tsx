"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { RegoEditor, RegoDiffEditor, type RegoEditorHandle } from "@/components/monaco";
import { toast } from "@/components/toaster";
import { HistoryIcon } from "@/components/icons";
import { timeAgo } from "@/components/format";
import { ProblemsPanel } from "./problems-panel";
import { regoErrorsOf, toMarkers, useRegoLint } from "./use-rego-lint";

export type WorkbenchVersion = { number: number; source: string; sha256: string; message: string; createdAt: string; author: { name: string; email: string } };
export type WorkbenchPolicy = { id: string; name: string; packagePath: string; owner: string; description: string; fileName: string; head: WorkbenchVersion };

type Conflict = { current: WorkbenchVersion; yours: string };

export function PolicyWorkbench({ policy, canWrite, children }: { policy: WorkbenchPolicy; canWrite: boolean; children?: React.ReactNode }) {
  const router = useRouter();
  const [base, setBase] = useState<WorkbenchVersion>(policy.head);
  const [source, setSource] = useState(policy.head.source);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState<"saving" | "formatting" | null>(null);
  const [saveErrors, setSaveErrors] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const editor = useRef<RegoEditorHandle | null>(null);
  const lint = useRegoLint(source, policy.fileName);
  const markers = useMemo(() => toMarkers(lint), [lint]);
  const dirty = source !== base.source;

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const format = useCallback(async () => {
    setBusy("formatting");
    try {
      const result = await api<{ formatted: string; changed: boolean }>("/api/v1/rego/format", { body: { source, fileName: policy.fileName } });
      setSource(result.formatted);
      toast(result.changed ? "Formatted with opa fmt" : "Already formatted");
    } catch (error) {
      toast(error instanceof ApiError ? error.message : "Format failed", "danger");
    } finally {
      setBusy(null);
    }
  }, [source, policy.fileName]);

  const save = useCallback(async (expectedVersion = base.number) => {
    if (!canWrite || busy) return;
    setBusy("saving");
    setSaveErrors(null);
    try {
      const result = await api<{ version: WorkbenchVersion; created: boolean }>(`/api/v1/policies/${policy.id}/versions`, {
        body: { source, message, expectedVersion },
      });
      setBase(result.version);
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
  }, [base.number, busy, canWrite, message, policy.id, router, source]);

  return (
    <div className="editor-layout">
      <div className="stack">
        <div className="editor-frame">
          <div className="editor-toolbar">
            {canWrite ? (
              <>
                <label htmlFor="commit-message" className="sr-only">Change message</label>
                <input id="commit-message" className="input" style={{ maxWidth: 360, height: 30 }} placeholder="Describe the change (optional)"
                  value={message} onChange={(e) => setMessage(e.target.value)} onKeyDown={(e) => { if (e.key === "Enter") void save(); }} />
                <button type="button" className="btn btn-primary" onClick={() => void save()} disabled={busy !== null || !dirty} aria-keyshortcuts="Control+S">
                  {busy === "saving" ? <span className="spinner" aria-hidden /> : null} Save <kbd>Ctrl S</kbd>
                </button>
              </>
            ) : <span className="badge">Read only</span>}
            <button type="button" className="btn" onClick={() => void format()} disabled={busy !== null} aria-keyshortcuts="Shift+Alt+F">
              {busy === "formatting" ? <span className="spinner" aria-hidden /> : null} Format <kbd>⇧ Alt F</kbd>
            </button>
            <span className="spacer" />
            <Link href={`/policies/${policy.id}/history`} className="btn btn-ghost"><HistoryIcon /> History</Link>
          </div>
          <RegoEditor
            value={source}
            onChange={setSource}
            markers={markers}
            readOnly={!canWrite}
            height="calc(100vh - 260px)"
            onSave={() => void save()}
            onFormat={() => void format()}
            onReady={(handle) => (editor.current = handle)}
            ariaLabel={`Rego source of ${policy.name}`}
          />
          <div className="editor-status" aria-live="polite">
            <span>{dirty ? <><span className="dot dot-warn" /> Unsaved changes (based on v{base.number})</> : <><span className="dot dot-ok" /> Saved as v{base.number}</>}</span>
            <span className="spacer" />
            <span className="mono">{policy.fileName}</span>
          </div>
        </div>
        {saveErrors ? <div role="alert" className="alert alert-danger">{saveErrors}</div> : null}
        {children}
      </div>

      <div className="stack">
        <ProblemsPanel lint={lint} onReveal={(row, col) => editor.current?.revealLine(row, col)} />
        <section className="card" aria-labelledby="details-title">
          <div className="card-header"><h2 id="details-title" style={{ fontSize: 14 }}>Details</h2></div>
          <div className="card-body">
            <dl className="meta-list">
              <dt>Package</dt><dd><code>{policy.packagePath}</code></dd>
              <dt>Owner</dt><dd>{policy.owner}</dd>
              <dt>Version</dt><dd>v{base.number} <span className="muted small mono">{base.sha256.slice(0, 10)}</span></dd>
              <dt>Saved</dt><dd>{timeAgo(base.createdAt)} by {base.author.name}</dd>
              {base.message ? <><dt>Message</dt><dd>{base.message}</dd></> : null}
            </dl>
            {policy.description ? <p className="muted small" style={{ marginTop: 12 }}>{policy.description}</p> : null}
          </div>
        </section>
      </div>

      {conflict ? (
        <ConflictDialog
          conflict={conflict}
          onTakeTheirs={() => { setBase(conflict.current); setSource(conflict.current.source); setConflict(null); toast(`Loaded version ${conflict.current.number}`); }}
          onSaveMineOnTop={() => { setBase(conflict.current); void save(conflict.current.number); }}
          onClose={() => setConflict(null)}
        />
      ) : null}
    </div>
  );
}

function ConflictDialog({ conflict, onTakeTheirs, onSaveMineOnTop, onClose }: { conflict: Conflict; onTakeTheirs: () => void; onSaveMineOnTop: () => void; onClose: () => void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog dialog-wide" role="dialog" aria-modal="true" aria-labelledby="conflict-title">
        <header>
          <h2 id="conflict-title">Someone saved first</h2>
          <p className="muted">
            {conflict.current.author.name} saved version {conflict.current.number} {timeAgo(conflict.current.createdAt)}
            {conflict.current.message ? ` (“${conflict.current.message}”)` : ""}. Nothing of yours was written. Left: their version; right: yours.
          </p>
        </header>
        <div className="dialog-body">
          <div className="editor-frame"><RegoDiffEditor original={conflict.current.source} modified={conflict.yours} height={420} /></div>
        </div>
        <footer>
          <button type="button" className="btn" onClick={onClose}>Keep editing</button>
          <button type="button" className="btn" onClick={onTakeTheirs}>Discard mine, load theirs</button>
          <button type="button" className="btn btn-primary" onClick={onSaveMineOnTop} autoFocus>Save mine as v{conflict.current.number + 1}</button>
        </footer>
      </div>
    </div>
  );
}
