"use client";

import { useEffect, useRef, useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { PauseIcon, PlayIcon } from "@/components/icons";
import type { DecisionSummary } from "@/lib/decisions/decision-views";
import { DecisionTable } from "./decision-rows";

const POLL_MS = 2_000;
const KEEP = 200;
const key = (d: DecisionSummary) => `${d.timestamp}|${d.decisionId}`;

/** Live tail: polls for decisions as they arrive and keeps the newest arrivals on top. */
export function LiveTail({ search }: { search: string }) {
  const [items, setItems] = useState<DecisionSummary[]>([]);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const watermark = useRef<string | null>(null);
  const seen = useRef(new Set<string>());

  useEffect(() => {
    if (paused) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const qs = new URLSearchParams(search);
        if (watermark.current) qs.set("since", watermark.current);
        const page = await api<{ items: DecisionSummary[]; watermark: string }>(`/api/v1/decisions/tail?${qs}`, {
          signal: controller.signal,
        });
        watermark.current = page.watermark;
        const added = page.items.filter((d) => !seen.current.has(key(d)));
        for (const d of added) seen.current.add(key(d));
        if (added.length) {
          setItems((current) => [...added, ...current].slice(0, KEEP));
          setFresh(new Set(added.map(key)));
        }
        setError(null);
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(e instanceof ApiError ? e.message : "Connection lost; retrying…");
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [paused, search]);

  return (
    <div>
      <div className="card-header">
        <div className="row">
          <span className={`dot ${paused ? "" : "dot-ok live-dot"}`} aria-hidden />
          <strong>{paused ? "Paused" : "Live"}</strong>
          <span className="muted small" aria-live="polite">
            {items.length} decision{items.length === 1 ? "" : "s"} received while watching (newest arrivals first, last{" "}
            {KEEP} kept)
          </span>
        </div>
        <button type="button" className="btn btn-sm" onClick={() => setPaused((p) => !p)}>
          {paused ? (
            <>
              <PlayIcon /> Resume
            </>
          ) : (
            <>
              <PauseIcon /> Pause
            </>
          )}
        </button>
      </div>
      {error ? (
        <div className="alert alert-warn" role="alert" style={{ margin: 12 }}>
          {error}
        </div>
      ) : null}
      {items.length === 0 ? (
        <div className="empty">
          <h2>Waiting for decisions…</h2>
          <p>New decisions matching the filter appear here as agents upload them (every few seconds).</p>
        </div>
      ) : (
        <DecisionTable items={items} fresh={fresh} />
      )}
    </div>
  );
}
