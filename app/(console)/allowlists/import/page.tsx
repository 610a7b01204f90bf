import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { CSV_COLUMNS } from "@/lib/allowlists/import-file";
import { MAX_IMPORT_ROWS } from "@/lib/allowlists/schemas";
import { AllowlistTabs } from "../_components/allowlist-tabs";
import { ImportForm } from "./import-form";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Import & export · Allowlists" };

export default async function ImportPage() {
  const actor = await requirePageActor("allowlist:read");
  const canWrite = can(actor, "allowlist:write");
  return (
    <div className="page">
      <PageHeader title={<>Import &amp; export</>}>
        Bring an existing allowlist in as CSV or JSON. Every import is previewed first: the access diff and every
        row&apos;s errors, before anything is written. A clean import becomes one change request; once approved and
        published it applies all-or-nothing.
      </PageHeader>
      <AllowlistTabs active="/allowlists/import" />
      <div className="import-layout">
        {canWrite ? (
          <ImportForm />
        ) : (
          <div className="card card-body muted">Importing needs the author role (allowlist:write).</div>
        )}
        <aside className="stack">
          <div className="card">
            <div className="card-header">
              <h2 style={{ fontSize: 14 }}>Export</h2>
            </div>
            <div className="card-body stack" style={{ gap: 10 }}>
              <p className="small muted">Every grant, expired ones included, in the format import reads back.</p>
              <div className="row">
                <a className="btn" href="/api/v1/allowlists/export?format=csv" download>
                  Download CSV
                </a>
                <a className="btn" href="/api/v1/allowlists/export?format=json" download>
                  Download JSON
                </a>
              </div>
            </div>
          </div>
          <div className="card">
            <div className="card-header">
              <h2 style={{ fontSize: 14 }}>File format</h2>
            </div>
            <div className="card-body stack small" style={{ gap: 8 }}>
              <p>CSV header (any order; the last two columns are optional):</p>
              <pre className="json-view">{CSV_COLUMNS.join(",")}</pre>
              <p>
                JSON:{" "}
                <code>
                  {
                    '{"entries": [{"service", "method", "path", "caller", "owner", "reason", "expiresAt", "crossTrustDomain"}]}'
                  }
                </code>
              </p>
              <p className="muted">
                Services and their endpoints must exist. Up to {MAX_IMPORT_ROWS.toLocaleString("en-US")} rows and 5 MiB
                per file. <strong>Merge</strong> adds and updates the listed grants; <strong>replace</strong> also
                removes every grant the file leaves out.
              </p>
            </div>
          </div>
        </aside>
      </div>
    </div>
  );
}
