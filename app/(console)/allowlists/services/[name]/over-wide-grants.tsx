"use client";

import Link from "next/link";
import { api } from "@/components/api-client";
import { formatDateTime } from "@/components/format";
import { useApiAction } from "@/components/use-api-action";
import type { OverWideGrant } from "@/lib/recertification/over-wide-grants";

/** Grants wider than their observed use, each with a one-click proposal to narrow it (a change request). */
export function OverWideGrants({
  grants,
  days,
  canPropose,
}: {
  grants: OverWideGrant[];
  days: number;
  canPropose: boolean;
}) {
  const { busy, run } = useApiAction();
  return (
    <section className="card" aria-labelledby="over-wide-title">
      <div className="card-header">
        <div>
          <h2 id="over-wide-title" style={{ fontSize: 14 }}>
            Wider than their use
          </h2>
          <p className="small muted">
            Allowed decisions of the last {days} days: these grants were only used for narrower endpoints.
          </p>
        </div>
      </div>
      {grants.length === 0 ? (
        <p className="card-body small muted">Every grant is as narrow as its observed use allows.</p>
      ) : (
        <ul className="card-body stack" style={{ listStyle: "none", margin: 0 }}>
          {grants.map((g) => (
            <li key={g.id}>
              <code className="small">{g.caller}</code> → <strong>{g.method}</strong> <code>{g.path}</code>
              <div className="small muted">
                {g.requestCount} requests, last {g.lastUsedAt ? formatDateTime(g.lastUsedAt) : "never"}; needs only{" "}
                {g.narrowTo.map((e) => `${e.method} ${e.path}`).join(", ")}
              </div>
              {canPropose ? (
                <button
                  type="button"
                  className="btn btn-sm"
                  disabled={busy}
                  onClick={() =>
                    run(
                      () =>
                        api<{ changeRequest: { number: number } }>("/api/v1/recertification/narrowings", {
                          body: { entryId: g.id, days },
                        }),
                      {
                        done: (r) => `Proposed as change request #${r.changeRequest.number}`,
                        failed: "Could not propose the narrowing",
                      },
                    )
                  }
                >
                  Propose narrowing
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <p className="card-body small muted">
        Narrowings are change requests: they apply once someone else approves and publishes them (
        <Link href="/reviews">change requests</Link>).
      </p>
    </section>
  );
}
