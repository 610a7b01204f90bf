"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { formatDateTime, timeAgo } from "@/components/format";
import type { ReviewView } from "@/lib/reviews/change-request-views";

const VERDICT = { comment: "commented", approve: "approved", request_changes: "requested changes" } as const;

export function ReviewPanel({
  number,
  reviews,
  canReview,
  canComment,
}: {
  number: number;
  reviews: ReviewView[];
  canReview: boolean;
  canComment: boolean;
}) {
  const router = useRouter();
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function send(verdict: "comment" | "approve" | "request_changes") {
    setBusy(verdict);
    setError(null);
    try {
      await api(`/api/v1/change-requests/${number}/reviews`, { body: { verdict, body } });
      toast(
        verdict === "approve"
          ? "Approved this exact content"
          : verdict === "request_changes"
            ? "Changes requested"
            : "Comment added",
      );
      setBody("");
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not save the review");
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card" aria-labelledby="reviews-title">
      <div className="card-header">
        <h2 id="reviews-title" style={{ fontSize: 14 }}>
          Review
        </h2>
        <span className="muted small">
          {reviews.length} entr{reviews.length === 1 ? "y" : "ies"}
        </span>
      </div>
      <ol className="timeline">
        {reviews.length === 0 ? <li className="muted small">No reviews yet.</li> : null}
        {reviews.map((r) => (
          <li key={r.id} className={r.voided ? "voided" : undefined}>
            <div className="small">
              <strong>{r.reviewer.name}</strong> {VERDICT[r.verdict]}{" "}
              <span className="muted" title={formatDateTime(r.createdAt)}>
                {timeAgo(r.createdAt)}
              </span>
              {r.verdict === "approve" && r.voided ? (
                <span className="badge badge-warn" style={{ marginLeft: 6 }}>
                  voided: content changed
                </span>
              ) : null}
            </div>
            {r.body ? <p className="small prose">{r.body}</p> : null}
          </li>
        ))}
      </ol>
      {canComment || canReview ? (
        <form
          className="card-body stack"
          style={{ borderTop: "1px solid var(--border)", gap: 8 }}
          onSubmit={(e) => e.preventDefault()}
        >
          <label htmlFor="review-body" className="label">
            Your review
          </label>
          <textarea
            id="review-body"
            className="input"
            rows={3}
            value={body}
            onChange={(e) => setBody(e.target.value)}
            placeholder={canReview ? "What you checked, or what must change" : "Add context for reviewers"}
            maxLength={10000}
          />
          {error ? (
            <div role="alert" className="alert alert-danger small">
              {error}
            </div>
          ) : null}
          <div className="row row-wrap">
            {canReview ? (
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy !== null}
                onClick={() => void send("approve")}
              >
                {busy === "approve" ? <span className="spinner" aria-hidden /> : null} Approve
              </button>
            ) : null}
            {canReview ? (
              <button
                type="button"
                className="btn"
                disabled={busy !== null || !body.trim()}
                onClick={() => void send("request_changes")}
              >
                Request changes
              </button>
            ) : null}
            {canComment ? (
              <button
                type="button"
                className="btn btn-ghost"
                disabled={busy !== null || !body.trim()}
                onClick={() => void send("comment")}
              >
                Comment
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
    </section>
  );
}
