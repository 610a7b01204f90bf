"use client";

import { useState } from "react";
import Link from "next/link";
import { zipSync } from "fflate";
import type { ImportStatus, RepositoryPreview } from "@/lib/policy-repository/preview-repository-import";
import { ApiError, type Problem } from "@/components/api-client";
import { ProblemAlert } from "@/components/form-parts";
import { toast } from "@/components/toaster";
import { CheckIcon } from "@/components/icons";
import { CardHeader, DataTable, EmptyState, Field, TextField } from "@/components/ui";

type Status = ImportStatus;
type Preview = RepositoryPreview;
type Applied = { created: unknown[]; updated: unknown[]; changeRequest: { number: number } | null };
type Upload = { name: string; body: Uint8Array; contentType: string };

// A browser folder upload holds everything below the folder; git's own files are not the repository.
const SKIPPED = /(^|\/)(\.git|node_modules)\//;

async function folderUpload(list: FileList): Promise<Upload> {
  const files: Record<string, Uint8Array> = {};
  for (const file of Array.from(list)) {
    const name = file.webkitRelativePath || file.name;
    if (!SKIPPED.test(name)) files[name] = new Uint8Array(await file.arrayBuffer());
  }
  const top = Object.keys(files)[0]?.split("/")[0] ?? "folder";
  return { name: `${top}/ (${Object.keys(files).length} files)`, body: zipSync(files), contentType: "application/zip" };
}

async function send<T>(upload: Upload, query: Record<string, string>): Promise<T> {
  const res = await fetch(`/api/v1/policy-repository/import?${new URLSearchParams(query)}`, {
    method: "POST",
    body: new Blob([upload.body as BlobPart]),
    headers: { "content-type": upload.contentType },
    credentials: "same-origin",
  });
  const body = (await res.json().catch(() => ({ status: res.status, detail: res.statusText }))) as T | Problem;
  if (!res.ok) throw new ApiError(body as Problem);
  return body as T;
}

export function RepositoryImportForm({ canPropose }: { canPropose: boolean }) {
  const [upload, setUpload] = useState<Upload | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [title, setTitle] = useState("");
  const [applied, setApplied] = useState<Applied | null>(null);

  async function choose(next: Promise<Upload>) {
    setPreview(null);
    setApplied(null);
    setError(null);
    const chosen = await next;
    setUpload(chosen);
    await run(async () => setPreview(await send<Preview>(chosen, { dryRun: "true" })));
  }

  async function run(call: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await call();
    } catch (e) {
      const apiError =
        e instanceof ApiError
          ? e
          : new ApiError({ status: 0, detail: "Verdict could not be reached; nothing was imported" });
      setError(apiError);
      if (apiError.problem.preview) setPreview(apiError.problem.preview as Preview);
    } finally {
      setBusy(false);
    }
  }

  async function apply() {
    if (!upload || !preview) return;
    await run(async () => {
      const result = await send<Applied>(upload, {
        dryRun: "false",
        expectedPlanHash: preview.planHash,
        ...(title.trim() ? { changeRequestTitle: title.trim() } : {}),
      });
      setApplied(result);
      setPreview(null);
      toast(`Imported: ${result.created.length} new, ${result.updated.length} changed`);
    });
  }

  const changes = preview ? preview.summary.new + preview.summary.changed + preview.summary.dataChanged : 0;
  const canApply = preview && preview.refusals.length === 0 && changes > 0;
  return (
    <div className="stack">
      <section className="card card-body stack" aria-label="Choose a repository">
        <div className="row row-wrap" style={{ gap: 16 }}>
          <Field id="repo-folder" label="A folder">
            <input
              id="repo-folder"
              type="file"
              multiple
              disabled={busy}
              {...{ webkitdirectory: "" }}
              onChange={(e) => e.target.files?.length && void choose(folderUpload(e.target.files))}
            />
          </Field>
          <Field id="repo-archive" label="…or a zip or tarball">
            <input
              id="repo-archive"
              type="file"
              accept=".zip,.tar,.tgz,.tar.gz,application/zip,application/gzip"
              disabled={busy}
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file)
                  void choose(
                    file.arrayBuffer().then((b) => ({
                      name: file.name,
                      body: new Uint8Array(b),
                      contentType: file.name.endsWith(".zip") ? "application/zip" : "application/gzip",
                    })),
                  );
              }}
            />
          </Field>
        </div>
        {busy ? (
          <p className="muted small" role="status">
            <span className="spinner" aria-hidden /> Reading and compiling {upload?.name ?? "the repository"}…
          </p>
        ) : null}
        <ProblemAlert error={error} />
        {applied ? (
          <div role="status" className="alert alert-ok">
            <CheckIcon /> Imported {applied.created.length} new and {applied.updated.length} changed{" "}
            {applied.created.length + applied.updated.length === 1 ? "policy" : "policies"}.{" "}
            {applied.changeRequest ? (
              <Link href={`/change-requests/${applied.changeRequest.number}`}>
                Change request #{applied.changeRequest.number}
              </Link>
            ) : (
              <Link href="/policies">See the policies</Link>
            )}
          </div>
        ) : null}
      </section>
      {preview ? (
        <>
          <PreviewView preview={preview} />
          <section className="card card-body stack" aria-label="Apply the import">
            {canPropose ? (
              <TextField
                id="repo-cr-title"
                label="Open one change request for every new version (optional title)"
                value={title}
                maxLength={200}
                onChange={(e) => setTitle(e.target.value)}
                placeholder="Sync policies from git"
              />
            ) : null}
            <div className="row">
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy || !canApply}
                onClick={() => void apply()}
              >
                {busy ? <span className="spinner" aria-hidden /> : null} Apply import
              </button>
              <span className="muted small">
                {preview.refusals.length
                  ? "Fix what is refused first: nothing is imported while anything is."
                  : changes === 0
                    ? "Nothing to apply: Verdict already holds exactly this."
                    : "One step: everything is written, or nothing."}
              </span>
            </div>
          </section>
        </>
      ) : null}
    </div>
  );
}

const BADGE: Record<Status, string> = { new: "badge badge-ok", changed: "badge badge-warn", unchanged: "badge" };

function PreviewView({ preview }: { preview: Preview }) {
  const s = preview.summary;
  return (
    <section className="card" aria-label="Import preview">
      <CardHeader title="Preview: nothing has been written yet">
        <div className="row small">
          <span className="badge badge-ok">{s.new} new</span>
          <span className="badge badge-warn">{s.changed} changed</span>
          <span className="badge">{s.unchanged} unchanged</span>
          {s.refused ? <span className="badge badge-danger">{s.refused} refused</span> : null}
        </div>
      </CardHeader>
      {preview.refusals.length ? (
        <DataTable columns={["Refused", "Why"]} label="Refused">
          {preview.refusals.map((r, i) => (
            <tr key={i}>
              <td>
                <code>{r.file ?? r.packagePath ?? "—"}</code>
              </td>
              <td>{r.message}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {preview.policies.length === 0 ? (
        <EmptyState title="No Rego packages">The repository holds no .rego files Verdict can read.</EmptyState>
      ) : (
        <DataTable columns={["Package → policy", "From", "Tests", "Status"]} label="Policies">
          {preview.policies.map((p) => (
            <tr key={p.packagePath}>
              <td>
                {p.policyId ? (
                  <Link href={`/policies/${p.policyId}`}>{p.packagePath}</Link>
                ) : (
                  <code>{p.packagePath}</code>
                )}
              </td>
              <td className="small">{p.files.join(", ")}</td>
              <td className="small">{[...p.testFiles, ...(p.casesFile ? [p.casesFile] : [])].join(", ") || "—"}</td>
              <td>
                <span className={BADGE[p.status]}>{p.status}</span>{" "}
                {p.changes.length ? <span className="small muted">{p.changes.join(", ")}</span> : null}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {preview.data.length ? (
        <DataTable columns={["Data document", "From", "Status"]} label="Data documents">
          {preview.data.map((d) => (
            <tr key={d.path}>
              <td>
                <code>data.{d.path.replace(/\//g, ".")}</code>
              </td>
              <td className="small">{d.file}</td>
              <td>
                <span className={BADGE[d.status]}>{d.status}</span>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      <div className="card-body small muted stack" style={{ gap: 4 }}>
        {preview.roots ? <p>Manifest roots: {preview.roots.join(", ")}</p> : null}
        {preview.convertedFromV0.length ? (
          <p>
            Written in Rego v0, imported as converted by <code>opa fmt --v0-v1</code>:{" "}
            {preview.convertedFromV0.join(", ")}
          </p>
        ) : null}
        {preview.untouched.policies.length + preview.untouched.data.length ? (
          <p>
            Left as they are (not in the repository):{" "}
            {[...preview.untouched.policies, ...preview.untouched.data].join(", ")}
          </p>
        ) : null}
        {preview.ignored.count ? (
          <p>
            Ignored {preview.ignored.count} file{preview.ignored.count === 1 ? "" : "s"} Verdict does not read:{" "}
            {preview.ignored.files.slice(0, 20).join(", ")}
            {preview.ignored.count > 20 ? ", …" : ""}
          </p>
        ) : null}
      </div>
    </section>
  );
}
