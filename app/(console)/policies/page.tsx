import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { listPolicies, type PolicyListItem } from "@/lib/policies/list-policies";
import { ZListPoliciesQuery } from "@/lib/policies/schemas";
import { PlusIcon, PolicyIcon } from "@/components/icons";
import { formatDateTime, timeAgo } from "@/components/format";
import { DataTable, PageHeader, SearchForm } from "@/components/ui";

export const metadata: Metadata = { title: "Policies" };

function TestBadge({ run }: { run: PolicyListItem["latestTestRun"] }) {
  if (!run)
    return (
      <span className="muted small" title="The head version's tests have not been run">
        not run
      </span>
    );
  const s = run.summary;
  const label = run.passed
    ? `${s.passed}/${s.total} passed`
    : run.status === "failed"
      ? `${s.failed} failed`
      : `${s.errors || "run"} error${s.errors === 1 ? "" : "s"}`;
  return (
    <span
      className={`badge ${run.passed ? "badge-ok" : "badge-danger"}`}
      title={`Latest run of the head version, ${formatDateTime(run.createdAt)}`}
    >
      {label}
    </span>
  );
}

export default async function PoliciesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requirePageActor("policy:read");
  const query = ZListPoliciesQuery.safeParse(await searchParams);
  const q = query.success ? query.data : ZListPoliciesQuery.parse({});
  const { items, nextCursor } = await listPolicies({ actor, query: q });
  const canWrite = can(actor, "policy:write");

  return (
    <div className="page">
      <PageHeader
        title="Policies"
        actions={
          <div className="row">
            <Link href="/policies/repository" className="btn">
              Import or export a repository
            </Link>
            {canWrite ? (
              <Link href="/policies/new" className="btn btn-primary">
                <PlusIcon /> New policy
              </Link>
            ) : null}
          </div>
        }
      >
        Rego modules with immutable versions. Every save is a new version; nothing is overwritten.
      </PageHeader>

      <div className="card">
        <div className="card-header">
          <SearchForm
            action="/policies"
            id="policy-search"
            label="Search policies"
            name="q"
            placeholder="Search by name, package or owner"
            defaultValue={q.q ?? ""}
          />
          <span className="muted small">
            {items.length}
            {nextCursor ? "+" : ""} {items.length === 1 ? "policy" : "policies"}
          </span>
        </div>
        {items.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <PolicyIcon />
            </div>
            {q.q ? (
              <>
                <h2>No policy matches “{q.q}”</h2>
                <p>
                  Try a package path such as <code>httpapi.rbac</code> or an owning team.
                </p>
                <Link href="/policies" className="btn">
                  Clear search
                </Link>
              </>
            ) : (
              <>
                <h2>No policies yet</h2>
                <p>Write your first Rego policy; Verdict lints it with OPA as you type.</p>
                {canWrite ? (
                  <Link href="/policies/new" className="btn btn-primary">
                    <PlusIcon /> New policy
                  </Link>
                ) : null}
              </>
            )}
          </div>
        ) : (
          <DataTable columns={["Policy", "Package", "Owner", "Version", "Tests", "Last change"]}>
            {items.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/policies/${p.id}`} className="table-link">
                    {p.name}
                  </Link>
                  {p.lastMessage ? (
                    <div className="muted small truncate" style={{ maxWidth: 320 }}>
                      {p.lastMessage}
                    </div>
                  ) : null}
                </td>
                <td>
                  <code>{p.packagePath}</code>
                </td>
                <td>{p.owner}</td>
                <td>
                  <span className="badge">v{p.headNumber}</span>
                </td>
                <td>
                  <TestBadge run={p.latestTestRun} />
                </td>
                <td>
                  <span title={formatDateTime(p.updatedAt)}>{timeAgo(p.updatedAt)}</span>
                  {p.lastAuthor ? <div className="muted small">by {p.lastAuthor.name}</div> : null}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        {nextCursor ? (
          <div className="pagination">
            <span className="muted small">Showing the {items.length} most recently changed</span>
            <Link
              className="btn btn-sm"
              href={`/policies?${new URLSearchParams({ ...(q.q ? { q: q.q } : {}), cursor: nextCursor })}`}
            >
              Next page →
            </Link>
          </div>
        ) : null}
      </div>
    </div>
  );
}
