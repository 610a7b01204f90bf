"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { strFromU8, unzipSync } from "fflate";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";

/** Reads picked files (or the files inside a picked .zip) into {name: text}, by base name. */
export async function readPickedFiles(list: FileList): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const file of Array.from(list)) {
    if (file.name.endsWith(".zip")) {
      const entries = unzipSync(new Uint8Array(await file.arrayBuffer()));
      for (const [path, bytes] of Object.entries(entries)) {
        const base = path.split("/").pop()!;
        if (base && !path.endsWith("/") && !base.startsWith(".")) files[base] = strFromU8(bytes);
      }
    } else {
      files[file.name] = await file.text();
    }
  }
  return files;
}

/** Export the saved head as files (zip or JSON); import files as the next version. */
export function ImportExportMenu({
  policyId,
  headNumber,
  canWrite,
  dirty,
}: {
  policyId: string;
  headNumber: number;
  canWrite: boolean;
  dirty: boolean;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <a
        className="btn btn-ghost"
        href={`/api/v1/policies/${policyId}/export?version=${headNumber}`}
        download
        title="policy.rego, policy_test.rego and cases.json of the saved version, as a zip"
      >
        Export
      </a>
      {canWrite ? (
        <button type="button" className="btn btn-ghost" onClick={() => setOpen(true)}>
          Import…
        </button>
      ) : null}
      {open ? (
        <ImportDialog policyId={policyId} headNumber={headNumber} dirty={dirty} onClose={() => setOpen(false)} />
      ) : null}
    </>
  );
}

function ImportDialog({
  policyId,
  headNumber,
  dirty,
  onClose,
}: {
  policyId: string;
  headNumber: number;
  dirty: boolean;
  onClose: () => void;
}) {
  const router = useRouter();
  const [picked, setPicked] = useState<Record<string, string> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!picked) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api<{ version: { number: number }; created: boolean }>(
        `/api/v1/policies/${policyId}/import`,
        { body: { files: picked, expectedVersion: headNumber } },
      );
      toast(result.created ? `Imported as version ${result.version.number}` : "The files match the current version");
      onClose();
      window.location.reload();
      router.refresh();
    } catch (e) {
      const details =
        e instanceof ApiError && e.problem.errors
          ? `: ${e.problem.errors.map((x) => `${x.path} ${x.message}`).join("; ")}`
          : "";
      setError(e instanceof ApiError ? `${e.message}${details}` : "Import failed");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="import-title">
        <header>
          <h2 id="import-title">Import files</h2>
          <p className="muted small">
            Pick <code>policy.rego</code>, <code>policy_test.rego</code> and <code>cases.json</code> (or{" "}
            <code>cases.yaml</code>), or a zip exported from Verdict. They become version {headNumber + 1}; missing
            tests or cases mean none.
          </p>
        </header>
        <div className="dialog-body stack" style={{ gap: 10 }}>
          {dirty ? (
            <div className="alert alert-warn small">Your unsaved changes in the editor will be replaced.</div>
          ) : null}
          <label className="field">
            <span className="label">Files</span>
            <input
              type="file"
              multiple
              accept=".rego,.json,.yaml,.yml,.zip"
              onChange={async (e) => e.target.files && setPicked(await readPickedFiles(e.target.files))}
            />
          </label>
          {picked ? <p className="small muted">Will import: {Object.keys(picked).join(", ")}</p> : null}
          {error ? (
            <div role="alert" className="alert alert-danger small">
              {error}
            </div>
          ) : null}
        </div>
        <footer>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={!picked || busy} onClick={() => void submit()}>
            {busy ? <span className="spinner" aria-hidden /> : null} Import
          </button>
        </footer>
      </div>
    </div>
  );
}
