"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import type { ChangeRequestView } from "@/lib/reviews/change-request-views";
import { SelectField, TextAreaField } from "@/components/ui";
import { defaultRolloutOptions, RolloutOptionsFields, rolloutFields } from "../../_components/rollout-options";

type Props = {
  cr: Pick<ChangeRequestView, "number" | "status" | "approval" | "tests" | "revisions" | "can">;
  /** The bundles the change request's policies are in (a canary rollout is of one of them). */
  bundles?: string[];
};
type RegoProblem = { message: string; file?: string; row?: number };

/** Where the change request stands on the way to agents, and the publish button when it may go. */
export function PublishPanel({ cr, bundles = [] }: Props) {
  const router = useRouter();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{
    message: string;
    regoErrors: RegoProblem[];
    fields?: Array<{ path: string; message: string }>;
  } | null>(null);
  const [canary, setCanary] = useState(false);
  const [canaryBundle, setCanaryBundle] = useState(bundles[0] ?? "");
  const [options, setOptions] = useState(defaultRolloutOptions);
  const [invalid, setInvalid] = useState<string | null>(null);

  async function publish() {
    setProblem(null);
    if (canary) {
      const fields = rolloutFields(options);
      if (!fields.ok) {
        setInvalid(fields.field);
        setProblem({ message: fields.message, regoErrors: [] });
        return;
      }
      setInvalid(null);
      setBusy(true);
      try {
        const created = await api<{ id: string; canary: { revision: string } }>(
          `/api/v1/bundles/${canaryBundle}/rollouts`,
          {
            body: {
              changeRequest: cr.number,
              ...(cr.tests.passed ? {} : { overrideReason: reason }),
              ...fields.body,
            },
          },
        );
        toast(`Published ${canaryBundle} ${created.canary.revision} as a canary rollout`);
        router.push(`/bundles/${canaryBundle}/rollouts/${created.id}`);
      } catch (e) {
        if (e instanceof ApiError)
          setProblem({
            message: e.message,
            regoErrors: (e.problem.regoErrors as RegoProblem[] | undefined) ?? [],
            fields: e.problem.errors,
          });
        else setProblem({ message: "Publishing as a canary rollout failed", regoErrors: [] });
      } finally {
        setBusy(false);
      }
      return;
    }
    setBusy(true);
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
            {bundles.length > 0 ? (
              <label className="row small" style={{ gap: 6 }}>
                <input type="checkbox" checked={canary} onChange={(e) => setCanary(e.target.checked)} />
                Publish as canary rollout
              </label>
            ) : null}
            {canary ? (
              <>
                {bundles.length > 1 ? (
                  <SelectField
                    id="canary-bundle"
                    label="Bundle to roll out (the others publish to every agent)"
                    value={canaryBundle}
                    onChange={(e) => setCanaryBundle(e.target.value)}
                    options={bundles.map((b) => [b, b] as const)}
                  />
                ) : (
                  <p className="small muted">
                    Rolls out <span className="mono">{canaryBundle}</span> stage by stage.
                  </p>
                )}
                <RolloutOptionsFields
                  idPrefix="canary"
                  value={options}
                  onChange={(next) => {
                    setOptions(next);
                    setInvalid(null);
                    setProblem(null);
                  }}
                  invalid={invalid}
                />
              </>
            ) : null}
            <button
              type="submit"
              className="btn btn-primary"
              disabled={busy || (cr.can.override && reason.trim().length < 10)}
            >
              {busy ? <span className="spinner" aria-hidden /> : null}{" "}
              {busy ? "Building, checking and signing…" : canary ? "Publish as canary rollout" : "Publish"}
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
              {problem.fields?.map((f) => (
                <div key={f.path}>
                  {f.path.replace("body.", "")}: {f.message}
                </div>
              ))}
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
