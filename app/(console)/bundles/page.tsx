import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { rolloutProgress } from "@/lib/agents/fleet";
import { listPolicies } from "@/lib/policies/list-policies";
import { BundleIcon } from "@/components/icons";
import { formatDateTime, timeAgo } from "@/components/format";
import { CreateBundleForm } from "./create-bundle-form";
import { listBundles } from "@/lib/bundles/list-bundles";
import { DataTable, PageHeader, num } from "@/components/ui";

export const metadata: Metadata = { title: "Bundles" };

export default async function BundlesPage() {
  const actor = await requirePageActor("bundle:read");
  const manage = can(actor, "bundle:manage");
  const [bundles, rollout, policies] = await Promise.all([
    listBundles({ actor }),
    can(actor, "agent:read") ? rolloutProgress({ actor }) : Promise.resolve([]),
    manage ? listPolicies({ actor, query: { limit: 100 } }) : Promise.resolve({ items: [] }),
  ]);
  return (
    <div className="page">
      <PageHeader title="Bundles">
        What OPA agents download: each bundle owns its roots (they never overlap) and ships the approved versions of its
        policies as signed revisions.
      </PageHeader>
      <div className="stack">
        {manage ? (
          <CreateBundleForm
            policies={policies.items.map((p) => ({ id: p.id, name: p.name, packagePath: p.packagePath }))}
            startOpen={bundles.length === 0}
          />
        ) : null}
        <div className="card">
          {bundles.length === 0 ? (
            <div className="empty">
              <div className="empty-icon">
                <BundleIcon />
              </div>
              <h2>No bundles yet</h2>
              <p>
                {manage
                  ? "Create one above: a name, its roots, and the policies it ships."
                  : "An administrator creates bundles; agents then pull them."}
              </p>
            </div>
          ) : (
            <DataTable columns={["Bundle", "Roots", num("Policies"), "Current revision", "Rollout"]} label="Bundles">
              {bundles.map((b) => {
                const r = rollout.find((x) => x.bundle === b.name);
                return (
                  <tr key={b.id}>
                    <td>
                      <Link href={`/bundles/${b.name}`} className="table-link mono">
                        {b.name}
                      </Link>
                      {b.description ? <div className="muted small">{b.description}</div> : null}
                    </td>
                    <td>
                      {b.roots.map((root) => (
                        <code key={root} className="badge mono" style={{ marginRight: 4 }}>
                          {root}
                        </code>
                      ))}
                    </td>
                    <td className="num">{b.policies.length}</td>
                    <td>
                      {b.current ? (
                        <>
                          <Link
                            href={`/bundles/${b.name}/revisions/${b.current.number}`}
                            className="badge badge-accent mono"
                          >
                            {b.current.revision}
                          </Link>{" "}
                          <span className="muted small" title={formatDateTime(b.current.publishedAt)}>
                            {timeAgo(b.current.publishedAt)}
                          </span>
                        </>
                      ) : (
                        <span className="muted">not published</span>
                      )}
                    </td>
                    <td className="small">{r ? r.summary : <span className="muted">—</span>}</td>
                  </tr>
                );
              })}
            </DataTable>
          )}
        </div>
      </div>
    </div>
  );
}
