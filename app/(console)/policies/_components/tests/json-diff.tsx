"use client";

import { diffJson } from "diff";
import type { Outcome } from "@/lib/policy-tests/types";

const UNDEFINED_TEXT = "undefined";

function show(outcome: Outcome | null): string | object {
  if (!outcome) return "(no result)";
  if (!outcome.defined) return UNDEFINED_TEXT;
  const v = outcome.value;
  return v !== null && typeof v === "object" ? (v as object) : JSON.stringify(v);
}

/** Expected vs actual as a line diff of pretty-printed JSON with sorted keys (− expected, + actual). */
export function JsonDiff({ expected, actual }: { expected: Outcome | null; actual: Outcome | null }) {
  const changes = diffJson(show(expected), show(actual));
  const lines = changes.flatMap((change) =>
    change.value
      .replace(/\n$/, "")
      .split("\n")
      .map((text) => ({ text, kind: change.added ? "add" : change.removed ? "del" : "same" })),
  );
  return (
    <div className="json-diff" role="group" aria-label="Expected versus actual">
      <div className="json-diff-legend small">
        <span className="json-diff-del">− expected</span> <span className="json-diff-add">+ actual</span>
      </div>
      <pre>
        {lines.map((line, i) => (
          <div key={i} className={`json-diff-line json-diff-${line.kind}`}>
            <span aria-hidden className="json-diff-sign">
              {line.kind === "add" ? "+" : line.kind === "del" ? "−" : " "}
            </span>
            <span className="sr-only">
              {line.kind === "add" ? "actual: " : line.kind === "del" ? "expected: " : ""}
            </span>
            {line.text}
          </div>
        ))}
      </pre>
    </div>
  );
}

export function formatOutcome(outcome: Outcome | null): string {
  if (!outcome) return "—";
  return outcome.defined ? JSON.stringify(outcome.value, null, 2) : UNDEFINED_TEXT;
}
