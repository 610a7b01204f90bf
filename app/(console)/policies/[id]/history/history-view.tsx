"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { RegoDiffEditor } from "@/components/monaco";
import { toast } from "@/components/toaster";
import { formatDateTime, timeAgo } from "@/components/format";
import { ConfirmButtons } from "@/components/form-parts";
import { DataTable } from "@/components/ui";

type Summary = {
  id: string;
  number: number;
  sha256: string;
  message: string;
  createdAt: string;
  author: { name: string; email: string };
};

export function HistoryView({
  policyId,
  versions,
  headNumber,
  canRestore,
  initialA,
  initialB,
}: {
  policyId: string;
  versions: Summary[];
  headNumber: number;
  canRestore: boolean;
  initialA: number;
  initialB: number;
}) {
  const router = useRouter();
  const [a, setA] = useState(initialA);
  const [b, setB] = useState(initialB);
  const [sources, setSources] = useState<Record<number, string>>({});
  const [restoring, setRestoring] = useState<number | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);

  useEffect(() => {
    for (const n of [a, b]) {
      if (sources[n] !== undefined) continue;
      api<{ source: string }>(`/api/v1/policies/${policyId}/versions/${n}`)
        .then((v) => setSources((s) => ({ ...s, [n]: v.source })))
        .catch(() => toast(`Could not load version ${n}`, "danger"));
    }
  }, [a, b, policyId, sources]);

  useEffect(() => {
    router.replace(`?a=${a}&b=${b}`, { scroll: false });
  }, [a, b, router]);

  async function restore(number: number) {
    setRestoring(number);
    try {
      const result = await api<{ version: Summary; created: boolean }>(
        `/api/v1/policies/${policyId}/versions/${number}/restore`,
        {
          body: { expectedVersion: headNumber, message: `Restored version ${number}` },
        },
      );
      toast(
        result.created
          ? `Version ${number} restored as version ${result.version.number}`
          : `Version ${number} is already the current text`,
      );
      setConfirming(null);
      router.push(`/policies/${policyId}/history?a=${headNumber}&b=${result.version.number}`);
      router.refresh();
    } catch (error) {
      toast(error instanceof ApiError ? error.message : "Restore failed", "danger");
    } finally {
      setRestoring(null);
    }
  }

  const options = versions.map((v) => (
    <option key={v.number} value={v.number}>
      v{v.number} · {v.message || "no message"} · {v.author.name}
    </option>
  ));
  const ready = sources[a] !== undefined && sources[b] !== undefined;

  return (
    <div className="stack">
      <div className="card">
        <div className="card-header">
          <div className="row row-wrap">
            <label htmlFor="diff-a" className="label">
              Compare
            </label>
            <select
              id="diff-a"
              className="input"
              style={{ width: 300 }}
              value={a}
              onChange={(e) => setA(Number(e.target.value))}
            >
              {options}
            </select>
            <label htmlFor="diff-b" className="label">
              with
            </label>
            <select
              id="diff-b"
              className="input"
              style={{ width: 300 }}
              value={b}
              onChange={(e) => setB(Number(e.target.value))}
            >
              {options}
            </select>
          </div>
          <span className="muted small">
            Left v{a} · right v{b}
          </span>
        </div>
        <div data-testid="diff">
          {ready ? (
            <RegoDiffEditor original={sources[a]!} modified={sources[b]!} height={460} />
          ) : (
            <div
              className="skeleton"
              style={{ height: 460, borderRadius: 0 }}
              role="status"
              aria-label="Loading versions"
            />
          )}
        </div>
      </div>

      <div className="card">
        <div className="card-header">
          <h2 style={{ fontSize: 14 }}>Versions</h2>
        </div>
        <DataTable columns={["Version", "Message", "Author", "Saved", "SHA-256"]} actions="Actions">
          {versions.map((v) => (
            <tr key={v.number}>
              <td>
                <span className="badge">v{v.number}</span>{" "}
                {v.number === headNumber ? <span className="badge badge-accent">current</span> : null}
              </td>
              <td>{v.message || <span className="muted">—</span>}</td>
              <td>{v.author.name}</td>
              <td title={formatDateTime(v.createdAt)}>{timeAgo(v.createdAt)}</td>
              <td className="mono small">{v.sha256.slice(0, 12)}</td>
              <td className="num">
                <div className="row" style={{ justifyContent: "flex-end" }}>
                  <button
                    type="button"
                    className="btn btn-sm"
                    onClick={() => {
                      setA(v.number);
                      setB(headNumber);
                    }}
                  >
                    Diff with current
                  </button>
                  {canRestore && v.number !== headNumber ? (
                    confirming === v.number ? (
                      <ConfirmButtons
                        danger={false}
                        busy={restoring !== null}
                        confirm={
                          <>
                            {restoring === v.number ? <span className="spinner" aria-hidden /> : null} Confirm restore
                          </>
                        }
                        onConfirm={() => void restore(v.number)}
                        onCancel={() => setConfirming(null)}
                      />
                    ) : (
                      <button type="button" className="btn btn-sm" onClick={() => setConfirming(v.number)}>
                        Restore…
                      </button>
                    )
                  ) : null}
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
    </div>
  );
}
