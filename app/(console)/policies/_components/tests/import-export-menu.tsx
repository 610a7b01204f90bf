"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { strFromU8, unzipSync } from "fflate";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { RegoDiffEditor } from "@/components/monaco";

/** What the server offers for a picked policy.rego in Rego v0 (the 422 of an import without a choice). */
type V0Offer = { original: string; converted?: string; error?: string };

function v0OfferOf(error: unknown, files: Record<string, string>): V0Offer | null {
  const offer =
    error instanceof ApiError ? (error.problem.regoVersion as Omit<V0Offer, "original"> & { detected?: string }) : null;
  if (offer?.detected !== "v0") return null;
  const original = Object.entries(files).find(([name]) => name.endsWith(".rego") && !name.endsWith("_test.rego"))?.[1];
  return { original: original ?? "", converted: offer.converted, error: offer.error };
}

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
  const [offer, setOffer] = useState<V0Offer | null>(null);
  const submit = async (regoV0?: "convert" | "keep") => {
    if (!picked) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api<{ version: { number: number }; created: boolean }>(
        `/api/v1/policies/${policyId}/import`,
        { body: { files: picked, expectedVersion: headNumber, ...(regoV0 ? { regoV0 } : {}) } },
      );
      toast(result.created ? `Imported as version ${result.version.number}` : "The files match the current version");
      onClose();
      window.location.reload();
      router.refresh();
    } catch (e) {
      const v0 = regoV0 ? null : v0OfferOf(e, picked);
      if (v0) {
        setOffer(v0);
        return;
      }
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
      <div
        className={offer ? "dialog dialog-wide" : "dialog"}
        role="dialog"
        aria-modal="true"
        aria-labelledby="import-title"
      >
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
              onChange={async (e) => {
                if (!e.target.files) return;
                setOffer(null);
                setPicked(await readPickedFiles(e.target.files));
              }}
            />
          </label>
          {picked ? <p className="small muted">Will import: {Object.keys(picked).join(", ")}</p> : null}
          {offer ? (
            <>
              <div className="alert alert-info small" role="status">
                policy.rego is written in Rego v0.{" "}
                {offer.converted
                  ? "Left: as picked; right: converted to v1 by opa fmt --v0-v1. Import it converted, or keep it in v0."
                  : `It cannot be converted as it is: ${offer.error} Fix that line, or import it as Rego v0.`}
              </div>
              {offer.converted ? (
                <div className="editor-frame" data-testid="import-conversion-diff">
                  <RegoDiffEditor original={offer.original} modified={offer.converted} height={360} />
                </div>
              ) : null}
            </>
          ) : null}
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
          {offer ? (
            <>
              <button type="button" className="btn" disabled={busy} onClick={() => void submit("keep")}>
                Import as Rego v0
              </button>
              {offer.converted ? (
                <button
                  type="button"
                  className="btn btn-primary"
                  disabled={busy}
                  onClick={() => void submit("convert")}
                >
                  {busy ? <span className="spinner" aria-hidden /> : null} Import converted to v1
                </button>
              ) : null}
            </>
          ) : (
            <button type="button" className="btn btn-primary" disabled={!picked || busy} onClick={() => void submit()}>
              {busy ? <span className="spinner" aria-hidden /> : null} Import
            </button>
          )}
        </footer>
      </div>
    </div>
  );
}
