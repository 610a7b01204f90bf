// Decision rows in PostgreSQL's COPY text format: ingestion streams them straight into the table
// (COPY is several times cheaper per row than INSERT … SELECT over a JSON parameter), and the
// ingestion benchmark copies the very same lines for its baseline.

export const DECISION_COPY_COLUMNS = [
  "timestamp", "decision_id", "path", "allowed", "caller", "agent", "credential_id", "revisions",
  "unpublished", "bundles", "input", "result", "labels", "metrics", "extra",
] as const;

export const DECISION_COPY_COLUMN_LIST = DECISION_COPY_COLUMNS.map((c) => `"${c}"`).join(", ");

export type DecisionCopyValues = {
  timestamp: string;
  decisionId: string;
  path: string | null;
  allowed: boolean | null;
  caller: string | null;
  agent: string;
  credentialId: string | null;
  revisions: string[];
  unpublished: boolean;
  bundles: unknown;
  input: unknown;
  result: unknown;
  labels: unknown;
  metrics: unknown;
  extra: unknown;
};

const NULL = "\\N";
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** COPY text escaping: backslash, and the row/column separators. */
function text(value: string | null): string {
  if (value === null) return NULL;
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : value;
}

// JSON.stringify never emits a raw tab, newline or carriage return, so only backslashes need escaping.
function json(value: unknown): string {
  if (value === null || value === undefined) return NULL;
  const s = JSON.stringify(value);
  return s.includes("\\") ? s.replaceAll("\\", "\\\\") : s;
}

function bool(value: boolean | null): string {
  return value === null ? NULL : value ? "t" : "f";
}

/** A text[] literal: every element double-quoted, with backslash and quote escaped. */
function textArray(values: string[]): string {
  return text(`{${values.map((v) => `"${v.replace(/[\\"]/g, "\\$&")}"`).join(",")}}`);
}

/** One line (with its newline) of `COPY decisions (DECISION_COPY_COLUMN_LIST) FROM STDIN`. */
export function decisionCopyLine(v: DecisionCopyValues): string {
  return [
    v.timestamp, text(v.decisionId), text(v.path), bool(v.allowed), text(v.caller), text(v.agent), v.credentialId ?? NULL,
    textArray(v.revisions), bool(v.unpublished), json(v.bundles), json(v.input), json(v.result), json(v.labels), json(v.metrics), json(v.extra),
  ].join("\t") + "\n";
}
