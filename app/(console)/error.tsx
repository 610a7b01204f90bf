"use client";

import { AlertIcon } from "@/components/icons";

// Unexpected server errors: the page says so plainly (the detail stays in the server log,
// found by the digest) and offers a retry; a database outage recovers on its own.
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="page">
      <div className="card empty" role="alert">
        <div className="empty-icon" style={{ background: "var(--danger-soft)", color: "var(--danger)" }}><AlertIcon /></div>
        <h2>This page could not be loaded</h2>
        <p>Verdict could not reach its database or hit an unexpected error. Nothing was changed. Try again in a moment.</p>
        {error.digest ? <p className="small mono">reference {error.digest}</p> : null}
        <button type="button" className="btn btn-primary" onClick={reset}>Try again</button>
      </div>
    </div>
  );
}
