"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { TextAreaField } from "@/components/ui";

type Review = { id: string; reviewer: string; verdict: string; body: string; voided: boolean };
type Can = { review: boolean; publish: boolean; close: boolean };

/** Approve / request changes (someone other than the author), then publish (reviewer or admin). */
export function ReviewActions({ number, can, reviews }: { number: number; can: Can; reviews: Review[] }) {
  const router = useRouter();
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);

  async function run(label: string, fn: () => Promise<unknown>) {
    setBusy(true);
    try {
      await fn();
      toast(label);
      router.refresh();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : `${label} failed`, "danger");
    } finally {
      setBusy(false);
    }
  }
  const review = (verdict: "approve" | "request_changes") =>
    run(verdict === "approve" ? "Approved" : "Changes requested", () =>
      api(`/api/v1/change-requests/${number}/reviews`, { body: { verdict, body } }),
    );
  const publish = () =>
    run("Published: agents get the new allowlists now", () =>
      api(`/api/v1/change-requests/${number}/publish`, { body: {} }),
    );

  return (
    <section className="card" aria-label="Review">
      <div className="card-header">
        <h2 style={{ fontSize: 14 }}>Review</h2>
      </div>
      {reviews.length > 0 ? (
        <ul className="problems">
          {reviews.map((r) => (
            <li key={r.id}>
              <strong>{r.reviewer}</strong> {r.verdict.replace("_", " ")}
              {r.voided ? " (voided)" : ""}
              {r.body ? `: ${r.body}` : ""}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="card-body stack" style={{ gap: 10 }}>
        {can.review ? (
          <>
            <TextAreaField
              id="review-body"
              label="Comment"
              rows={2}
              value={body}
              onChange={(e) => setBody(e.target.value)}
            />
            <div className="row">
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void review("approve")}>
                Approve
              </button>
              <button
                type="button"
                className="btn"
                disabled={busy || !body.trim()}
                onClick={() => void review("request_changes")}
              >
                Request changes
              </button>
            </div>
          </>
        ) : (
          <p className="muted small">Someone with the reviewer role who did not write this change approves it.</p>
        )}
        {can.publish ? (
          <div className="row">
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void publish()}>
              Publish to OPA
            </button>
          </div>
        ) : null}
      </div>
    </section>
  );
}
