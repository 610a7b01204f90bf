"use client";

import { useEffect, useState } from "react";
import Link from "next/link";
import { api } from "@/components/api-client";
import { RegoDiffEditor } from "@/components/monaco";
import type { ChangeRequestItemView, PolicyVersionItemView } from "@/lib/reviews/change-request-views";
import type { AllowlistChangeItemView } from "@/lib/allowlists/change-set-views";
import { AccessDiffList } from "@/app/(console)/allowlists/_components/access-diff-list";
import type { TestGate } from "@/lib/change-requests/test-gate";
import { TestBadge } from "./test-badge";

/** One card per item: what agents run today (left) against what this change request ships (right). */
export function ItemDiffs({
  items: all,
  tests,
  published,
}: {
  items: ChangeRequestItemView[];
  tests: TestGate;
  published: boolean;
}) {
  const items = all.filter((i): i is PolicyVersionItemView => i.kind === "policy_version");
  const allowlistItems = all.filter((i): i is AllowlistChangeItemView => i.kind === "allowlist_change");
  const [open, setOpen] = useState<string | null>(items[0]?.version.id ?? null);
  return (
    <div className="stack">
      {allowlistItems.map((item) => (
        <AllowlistItem key={item.changeSetId} item={item} />
      ))}
      {items.map((item) => {
        const result = tests.results.find((r) => r.policyVersionId === item.version.id);
        const expanded = open === item.version.id;
        return (
          <section
            key={item.version.id}
            className="card"
            aria-label={`${item.policy.packagePath} v${item.version.number}`}
          >
            <div className="card-header">
              <div>
                <div className="row row-wrap" style={{ gap: 8 }}>
                  <Link href={`/policies/${item.policy.id}`} className="table-link">
                    {item.policy.name}
                  </Link>
                  <code className="small">{item.policy.packagePath}</code>
                  <span className="badge">
                    {item.base ? `v${item.base.number} → v${item.version.number}` : `new: v${item.version.number}`}
                  </span>
                  {item.bundle ? (
                    <span className="badge mono">{item.bundle}</span>
                  ) : (
                    <span className="badge badge-warn">in no bundle</span>
                  )}
                  <TestBadge result={result} />
                </div>
                <div className="muted small" style={{ marginTop: 4 }}>
                  {item.version.message || "no message"} · v{item.version.number} by {item.version.author.name} · sha256{" "}
                  <code>{item.version.sha256.slice(0, 12)}</code>
                </div>
              </div>
              <button
                type="button"
                className="btn btn-sm"
                aria-expanded={expanded}
                onClick={() => setOpen(expanded ? null : item.version.id)}
              >
                {expanded ? "Hide diff" : "Show diff"}
              </button>
            </div>
            {expanded ? <ItemDiff item={item} published={published} /> : null}
          </section>
        );
      })}
    </div>
  );
}

/** Allowlist changes are reviewed as access tuples, not JSON. */
function AllowlistItem({ item }: { item: AllowlistChangeItemView }) {
  return (
    <section className="card" aria-label={`Allowlist change: ${item.summary}`}>
      <div className="card-header">
        <div>
          <div className="row row-wrap" style={{ gap: 8 }}>
            <span className="table-link">Allowlist change</span>
            <span className="badge">{item.diff.summary || item.summary}</span>
            {item.bundle ? (
              <span className="badge mono">{item.bundle}</span>
            ) : (
              <span className="badge badge-warn">in no bundle</span>
            )}
          </div>
          <div className="muted small" style={{ marginTop: 4 }}>
            {item.summary} · by {item.author.name}
          </div>
        </div>
      </div>
      {item.problems.length > 0 ? (
        <div className="card-body alert alert-warn" role="alert">
          {item.problems.map((p) => (
            <div key={`${p.row}:${p.message}`}>{p.message}</div>
          ))}
        </div>
      ) : null}
      <AccessDiffList lines={item.diff.lines} />
    </section>
  );
}

function ItemDiff({ item, published }: { item: PolicyVersionItemView; published: boolean }) {
  const [sources, setSources] = useState<{ base: string; proposed: string } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const load = (n: number) =>
      api<{ source: string }>(`/api/v1/policies/${item.policy.id}/versions/${n}`).then((v) => v.source);
    Promise.all([item.base ? load(item.base.number) : Promise.resolve(""), load(item.version.number)])
      .then(([base, proposed]) => setSources({ base, proposed }))
      .catch(() => setFailed(true));
  }, [item]);
  if (failed)
    return (
      <div className="card-body alert alert-danger" role="alert">
        Could not load the versions to compare.
      </div>
    );
  return (
    <div data-testid="review-diff">
      <div className="diff-legend small muted">
        <span>
          Left:{" "}
          {item.base
            ? `v${item.base.number}, ${published ? "shipped before, in" : "running in"} ${item.bundle} ${item.base.revision}`
            : published
              ? "nothing was published before"
              : "nothing published yet"}
        </span>
        <span>
          Right: v{item.version.number}, {published ? "published by this change request" : "proposed"}
        </span>
      </div>
      {sources ? (
        <RegoDiffEditor original={sources.base} modified={sources.proposed} height={420} />
      ) : (
        <div className="skeleton" style={{ height: 420, borderRadius: 0 }} role="status" aria-label="Loading diff" />
      )}
    </div>
  );
}
