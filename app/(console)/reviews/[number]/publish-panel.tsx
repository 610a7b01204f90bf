"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import type { ChangeRequestView } from "@/lib/reviews/change-request-views";
import { TextAreaField } from "@/components/ui";

type Props = { cr: Pick<ChangeRequestView, "number" | "status" | "approval" | "tests" | "revisions" | "can"> };
type RegoProblem = { message: string; file?: string; row?: number };

/** Where the change request stands on the way to agents, and the publish button when it may go. */
export function PublishPanel({ cr }: Props) {
  const router = useRouter();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ message: string; regoErrors: RegoProblem[] } | null>(null);

  async function publish() {
    setBusy(true);
    setProblem(null);
    try {
      const result = await api<{ revisions: Array<{ bundle: string; revision: string }> }>(
        `/api/v1/change-requests/${cr.number}/publish`,
        {
          body: cr.tests.passed ? {} : { overrideReason: reason },
        },
      );
      toast(`Published ${result.revisions.map((r) => `${r.bundle} ${r.revision}`).join(", ")}`);
      router.refresh();
    } catch (e) {
      if (e instanceof ApiError)
        setProblem({ message: e.message, regoErrors: (e.problem.regoErrors as RegoProblem[] | undefined) ?? [] });
      else setProblem({ message: "Publishing failed", regoErrors: [] });
    } finally {
      setBusy(false);
    }
  }

  const steps = [
    {
      done: cr.status !== "open" && cr.status !== "changes_requested" && cr.status !== "closed",
      label: cr.approval
        ? `Approved by ${cr.approval.reviewer.name}`
        : cr.status === "changes_requested"
          ? "Changes requested"
          : "Awaiting approval",
    },
    {
      done: cr.tests.passed,
      label: cr.tests.passed
        ? "Tests pass for every version"
        : cr.tests.dependants.some((d) => d.status !== "passed")
          ? "Tests of the policies that use this change do not pass yet"
          : cr.tests.available
            ? "Tests do not pass for every version"
            : "No test results for these versions",
    },
    { done: cr.status === "published", label: cr.status === "published" ? "Published" : "Not published" },
  ];
  return (
    <section className="card" aria-labelledby="publish-title">
      <div className="card-header">
        <h2 id="publish-title" style={{ fontSize: 14 }}>
          Ship
        </h2>
      </div>
      <div className="card-body stack" style={{ gap: 10 }}>
        <ul className="checklist">
          {steps.map((s) => (
            <li key={s.label} data-done={s.done}>
              <span className={`dot ${s.done ? "dot-ok" : "dot-warn"}`} aria-hidden /> {s.label}
            </li>
          ))}
        </ul>
        {cr.revisions.length > 0 ? (
          <div className="small">
            Revisions:{" "}
            {cr.revisions.map((r) => (
              <Link
                key={`${r.bundle}-${r.number}`}
                href={`/bundles/${r.bundle}/revisions/${r.number}`}
                className="badge badge-ok mono"
                style={{ marginRight: 4 }}
              >
                {r.bundle} {r.revision}
              </Link>
            ))}
          </div>
        ) : null}
        {cr.can.publish ? (
          <form
            className="stack"
            style={{ gap: 8 }}
            onSubmit={(e) => {
              e.preventDefault();
              void publish();
            }}
          >
            {cr.can.override ? (
              <TextAreaField
                id="override-reason"
                label="Override reason (admin; recorded in the revision and the audit trail)"
                rows={2}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                minLength={10}
                maxLength={2000}
                placeholder="Why publish without passing tests?"
                required
              />
            ) : null}
            <button
              type="submit"
              className="btn btn-primary"
              disabled={busy || (cr.can.override && reason.trim().length < 10)}
            >
              {busy ? <span className="spinner" aria-hidden /> : null}{" "}
              {busy ? "Building, checking and signing…" : "Publish"}
            </button>
          </form>
        ) : cr.status === "approved" ? (
          <p className="small muted">
            Publishing needs the reviewer or admin role
            {cr.tests.passed ? "" : ", and an admin override while tests do not pass"}.
          </p>
        ) : null}
        {problem ? (
          <div role="alert" className="alert alert-danger small">
            <div>
              <div>{problem.message}</div>
              {problem.regoErrors.map((p, i) => (
                <div key={i} className="mono">
                  {p.file ? `${p.file}:${p.row ?? "?"}: ` : ""}
                  {p.message}
                </div>
              ))}
            </div>
          </div>
        ) : null}
      </div>
    </section>
  );
}
