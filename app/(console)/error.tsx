"use client";

import { startTransition, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { AlertIcon } from "@/components/icons";
import { DatabaseUnavailable } from "@/components/database-unavailable";

const HEALTH_POLL_MS = 3_000;

// Server errors reach the browser without their message, so the boundary asks /api/health
// whether the database is the cause: if so it says so plainly and re-renders the page by itself
// once the database answers; otherwise it is an unexpected error (detail in the server log,
// found by the digest) with a retry.
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const [database, setDatabase] = useState<"checking" | "up" | "down">("checking");

  useEffect(() => {
    let cancelled = false;
    let wasDown = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = async () => {
      const down = await fetch("/api/health", { cache: "no-store" }).then(
        (r) => r.status === 503,
        () => false,
      );
      if (cancelled) return;
      if (down) {
        wasDown = true;
        setDatabase("down");
        timer = setTimeout(() => void check(), HEALTH_POLL_MS);
      } else if (wasDown) {
        startTransition(() => {
          router.refresh();
          reset();
        });
      } else {
        setDatabase("up");
      }
    };
    void check();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [reset, router]);

  if (database === "down") return <DatabaseUnavailable />;
  if (database === "checking")
    return (
      <div className="page">
        <div className="card empty" aria-busy="true">
          <p>Loading…</p>
        </div>
      </div>
    );
  return (
    <div className="page">
      <div className="card empty" role="alert">
        <div className="empty-icon" style={{ background: "var(--danger-soft)", color: "var(--danger)" }}>
          <AlertIcon />
        </div>
        <h2>This page could not be loaded</h2>
        <p>Verdict hit an unexpected error. Nothing was changed. Try again in a moment.</p>
        {error.digest ? <p className="small mono">reference {error.digest}</p> : null}
        <button type="button" className="btn btn-primary" onClick={reset}>
          Try again
        </button>
      </div>
    </div>
  );
}
