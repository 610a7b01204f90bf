import { AppError } from "@/lib/core/errors";

/** A decision as lists and exports show it (without the full input and result). */
export type DecisionSummary = {
  timestamp: string;
  decisionId: string;
  path: string | null;
  outcome: "allowed" | "denied" | "other";
  caller: string | null;
  agent: string;
  revisions: string[];
  unpublished: boolean;
  receivedAt: string;
};

// Timestamps are read as text in UTC with their microseconds: a JavaScript Date would round them
// to milliseconds, and the keyset cursor must carry the exact stored value.
export const TS_TEXT = `to_char(d."timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
export const RECEIVED_TEXT = `to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const SUMMARY_COLUMNS = `${TS_TEXT} AS ts, d.decision_id, d.path, d.allowed, d.caller, d.agent, d.revisions, d.unpublished, ${RECEIVED_TEXT} AS received`;

export type SummaryRow = {
  ts: string;
  decision_id: string;
  path: string | null;
  allowed: boolean | null;
  caller: string | null;
  agent: string;
  revisions: string[] | null;
  unpublished: boolean;
  received: string;
};

export function toSummary(row: SummaryRow): DecisionSummary {
  return {
    timestamp: row.ts,
    decisionId: row.decision_id,
    path: row.path,
    outcome: outcomeOf(row.allowed),
    caller: row.caller,
    agent: row.agent,
    revisions: row.revisions ?? [],
    unpublished: row.unpublished,
    receivedAt: row.received,
  };
}

export function outcomeOf(allowed: boolean | null): DecisionSummary["outcome"] {
  return allowed === true ? "allowed" : allowed === false ? "denied" : "other";
}

export type Cursor = { ts: string; id: string };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.ts}|${c.id}`).toString("base64url");
}

export function decodeCursor(value: string, field = "cursor"): Cursor {
  const text = Buffer.from(value, "base64url").toString("utf8");
  const bar = text.indexOf("|");
  const ts = text.slice(0, bar);
  const id = text.slice(bar + 1);
  if (bar < 0 || !id || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(ts)) {
    throw new AppError("validation_failed", `The ${field} is invalid`, {
      fieldErrors: [{ path: `query.${field}`, message: "invalid cursor" }],
    });
  }
  return { ts, id };
}

/** Link to a decision's page: the timestamp lets the lookup go straight to its partition. */
export function decisionHref(d: { decisionId: string; timestamp: string }): string {
  return `/decisions/${encodeURIComponent(d.decisionId)}?at=${encodeURIComponent(d.timestamp)}`;
}
