"use client";

import { useEscapeKey } from "@/components/use-escape-key";
import type { CaseResult } from "@/lib/policy-tests/types";
import { formatOutcome } from "./json-diff";

/** Confirms turning a failing case's actual result into its expected value (in the draft; saving keeps it). */
export function AcceptActualDialog({
  result,
  onConfirm,
  onCancel,
}: {
  result: CaseResult;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  useEscapeKey(onCancel);
  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="accept-title">
        <header>
          <h2 id="accept-title">Make the actual result the expected one?</h2>
          <p className="muted">
            “{result.name}” will expect what the policy returns now. Only do this if the policy is right and the case
            was wrong. The change is in your draft until you save.
          </p>
        </header>
        <div className="dialog-body stack" style={{ gap: 8 }}>
          <div className="label small">Expected now</div>
          <pre className="json-view">{formatOutcome(result.expected)}</pre>
          <div className="label small">New expected</div>
          <pre className="json-view">{formatOutcome(result.actual)}</pre>
        </div>
        <footer>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" onClick={onConfirm} autoFocus>
            Use actual as expected
          </button>
        </footer>
      </div>
    </div>
  );
}
