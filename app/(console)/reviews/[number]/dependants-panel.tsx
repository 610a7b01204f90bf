"use client";

import Link from "next/link";
import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import type { DependantTestStatus } from "@/lib/change-requests/test-gate";
import { TestBadge } from "./test-badge";

/**
 * The policies that use what this change request changes, with their tests run against its
 * versions; publishing waits for them to pass (docs/policy-references.md).
 */
export function DependantsPanel({
  number,
  dependants,
  canRun,
}: {
  number: number;
  dependants: DependantTestStatus[];
  canRun: boolean;
}) {
  const { busy, run } = useApiAction();
  if (dependants.length === 0) return null;
  return (
    <section className="card" aria-labelledby="dependants-title">
      <div className="card-header">
        <h2 id="dependants-title" style={{ fontSize: 14 }}>
          Used by {dependants.length} other {dependants.length === 1 ? "policy" : "policies"}
        </h2>
        {canRun ? (
          <button
            type="button"
            className="btn"
            disabled={busy}
            onClick={() =>
              void run(
                () => api<{ runs: unknown[] }>(`/api/v1/change-requests/${number}/dependant-tests`, { body: {} }),
                {
                  done: (r) =>
                    `Ran the tests of ${r.runs.length} dependant ${r.runs.length === 1 ? "policy" : "policies"}`,
                  failed: "Running the dependants' tests failed",
                },
              )
            }
          >
            {busy ? <span className="spinner" aria-hidden /> : null} {busy ? "Running…" : "Run their tests"}
          </button>
        ) : null}
      </div>
      <ul className="card-body stack" style={{ gap: 6 }} data-testid="cr-dependants">
        {dependants.map((d) => (
          <li key={d.policyId}>
            <Link href={`/policies/${d.policyId}`}>{d.name}</Link> <code>{d.packagePath}</code> v{d.version} uses{" "}
            {d.uses.map((u) => (
              <code key={u}>{u} </code>
            ))}
            <TestBadge result={d} />
          </li>
        ))}
      </ul>
    </section>
  );
}
