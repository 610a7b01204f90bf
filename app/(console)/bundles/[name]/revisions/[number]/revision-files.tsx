"use client";

import { useState } from "react";
import { formatBytes } from "@/lib/core/read-body";
import { DataTable, num } from "@/components/ui";

type Props = {
  files: Array<{ name: string; sha256: string; size: number }>;
  contents: Array<{ name: string; text: string | null }>;
  manifest: unknown;
};

/** Every file of the tarball with the SHA-256 the signature covers, and its content on demand. */
export function RevisionFiles({ files, contents, manifest }: Props) {
  const [shown, setShown] = useState<string>(".manifest");
  const text =
    shown === ".manifest" ? JSON.stringify(manifest, null, 2) : (contents.find((c) => c.name === shown)?.text ?? null);
  return (
    <section className="card" style={{ marginTop: 16 }} aria-labelledby="files-title">
      <div className="card-header">
        <h2 id="files-title" style={{ fontSize: 14 }}>
          Contents
        </h2>
        <span className="muted small">Hashes exactly as OPA verifies them; .signatures.json signs all of these.</span>
      </div>
      <DataTable columns={["File", "SHA-256", num("Size")]} label="Files">
        {files.map((f) => (
          <tr key={f.name} aria-selected={shown === f.name}>
            <td>
              <button
                type="button"
                className="link-button mono"
                onClick={() => setShown(f.name)}
                aria-pressed={shown === f.name}
              >
                {f.name}
              </button>
            </td>
            <td className="mono small">{f.sha256}</td>
            <td className="num">{formatBytes(f.size)}</td>
          </tr>
        ))}
      </DataTable>
      <div className="card-body">
        <div className="label" style={{ marginBottom: 6 }}>
          {shown}
        </div>
        {text === null ? (
          <p className="muted small">Too large to show here; download the tarball.</p>
        ) : (
          <pre className="code-block" style={{ maxHeight: 480 }} data-testid="revision-file">
            {text}
          </pre>
        )}
      </div>
    </section>
  );
}
