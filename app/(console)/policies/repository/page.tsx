import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { REPOSITORY_LIMITS } from "@/lib/policy-repository/repository-limits";
import { DownloadIcon } from "@/components/icons";
import { CardHeader, PageHeader } from "@/components/ui";
import { RepositoryImportForm } from "./repository-import-form";

export const metadata: Metadata = { title: "Import repository · Policies" };

export default async function RepositoryImportPage() {
  const actor = await requirePageActor("policy:read");
  return (
    <div className="page">
      <PageHeader
        title="Import a repository"
        actions={
          <a className="btn" href="/api/v1/policy-repository/export" download>
            <DownloadIcon /> Export all policies (tar.gz)
          </a>
        }
      >
        Bring a whole repository of Rego in at once: every package becomes a policy, its _test.rego files its tests,
        data.json and data.yaml files data documents. Every import is previewed first and compiled together with the
        existing policies; applying it is one step, and importing the same repository again changes nothing.
      </PageHeader>
      <div className="import-layout">
        {can(actor, "policy:write") ? (
          <RepositoryImportForm canPropose={can(actor, "change:submit")} />
        ) : (
          <div className="card card-body muted">Importing needs the author role (policy:write).</div>
        )}
        <aside className="card">
          <CardHeader title="What Verdict reads" />
          <div className="card-body stack small" style={{ gap: 8 }}>
            <p>
              A folder, a zip or a tarball. One package is one policy; a package may be spread over several files in one
              directory, which are joined into one module.
            </p>
            <p>
              A <code>_test.rego</code> file tests the package it declares (or that package without <code>_test</code>);{" "}
              <code>cases.json</code> beside a policy holds its table cases.
            </p>
            <p>
              An optional <code>.manifest</code> at the top: its roots are checked.
            </p>
            <p className="muted">
              Up to {REPOSITORY_LIMITS.maxFiles.toLocaleString("en-US")} files and 32 MiB. The export is the same
              layout; <code>opa test .</code> and <code>opa build .</code> run on it as it is.
            </p>
          </div>
        </aside>
      </div>
    </div>
  );
}
