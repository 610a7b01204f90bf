"use client";

import { useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { timeAgo } from "@/components/format";
import { SearchIcon } from "@/components/icons";
import type { SubmittablePolicy } from "@/lib/reviews/submittable-policies";
import { ProblemAlert } from "@/components/form-parts";
import { TextAreaField, TextField } from "@/components/ui";

export function NewChangeRequestForm({
  policies,
  preselected,
}: {
  policies: SubmittablePolicy[];
  preselected: string[];
}) {
  const router = useRouter();
  const [selected, setSelected] = useState<string[]>(preselected.filter((id) => policies.some((p) => p.id === id)));
  const [filter, setFilter] = useState("");
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const visible = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return q ? policies.filter((p) => p.name.toLowerCase().includes(q) || p.packagePath.includes(q)) : policies;
  }, [filter, policies]);
  const chosen = policies.filter((p) => selected.includes(p.id));

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const created = await api<{ number: number }>("/api/v1/change-requests", {
        body: {
          title,
          description,
          items: chosen.map((p) => ({ kind: "policy_version", policyVersionId: p.head.id })),
        },
      });
      router.push(`/reviews/${created.number}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
      setBusy(false);
    }
  }

  const toggle = (id: string, on: boolean) => setSelected((cur) => (on ? [...cur, id] : cur.filter((x) => x !== id)));

  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="card">
        <div className="card-header">
          <h2 style={{ fontSize: 14 }}>
            Policy versions <span className="muted small">({chosen.length} selected)</span>
          </h2>
          <div className="search" style={{ width: 320 }}>
            <SearchIcon />
            <label htmlFor="cr-filter" className="sr-only">
              Filter policies
            </label>
            <input
              id="cr-filter"
              className="input"
              placeholder="Filter by name or package"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          </div>
        </div>
        {policies.length === 0 ? (
          <div className="empty">
            <h2>No policies yet</h2>
            <p>Write a policy first; its versions can then be submitted.</p>
          </div>
        ) : (
          <table className="table" aria-label="Policies to include">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Include</span>
                </th>
                <th scope="col">Policy</th>
                <th scope="col">Newest version</th>
                <th scope="col">Ships in</th>
                <th scope="col">Published today</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((p) => {
                const unchanged = p.publishedVersion === p.head.number;
                return (
                  <tr key={p.id}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Include ${p.packagePath} v${p.head.number}`}
                        checked={selected.includes(p.id)}
                        onChange={(e) => toggle(p.id, e.target.checked)}
                      />
                    </td>
                    <td>
                      <div style={{ fontWeight: 600 }}>{p.name}</div>
                      <code className="small">{p.packagePath}</code>
                    </td>
                    <td>
                      <span className="badge">v{p.head.number}</span>{" "}
                      <span className="muted small">
                        {p.head.message || "no message"} · {p.head.author.name} · {timeAgo(p.head.createdAt)}
                      </span>
                    </td>
                    <td>
                      {p.bundle ? (
                        <span className="badge mono">{p.bundle}</span>
                      ) : (
                        <span className="badge badge-warn" title="Add the policy to a bundle before publishing">
                          no bundle
                        </span>
                      )}
                    </td>
                    <td>
                      {p.publishedVersion ? (
                        <span className={`badge ${unchanged ? "" : "badge-accent"}`}>
                          v{p.publishedVersion}
                          {unchanged ? " (same)" : ""}
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      <div className="card card-body stack">
        <TextField
          id="cr-title"
          label="Title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          placeholder="e.g. Let the billing service read invoices"
          required
          maxLength={200}
        />
        <TextAreaField
          id="cr-description"
          label="Description"
          rows={5}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder="Why is this change needed, and what should the reviewer look at?"
          maxLength={10000}
        />
        <ProblemAlert error={error} />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={busy || chosen.length === 0 || !title.trim()}>
            {busy ? <span className="spinner" aria-hidden /> : null} Submit for review
          </button>
          <span className="muted small">
            {chosen.length === 0
              ? "Select at least one policy version."
              : `${chosen.length} version${chosen.length === 1 ? "" : "s"}: ${chosen.map((p) => `${p.packagePath} v${p.head.number}`).join(", ")}`}
          </span>
        </div>
      </div>
    </form>
  );
}
