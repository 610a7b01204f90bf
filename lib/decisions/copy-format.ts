// Decision rows in PostgreSQL's COPY text format: ingestion streams them straight into the table
// (COPY is several times cheaper per row than INSERT … SELECT over a JSON parameter), and the
// ingestion benchmark copies the very same lines for its baseline.
import { pgSafeJson } from "@/lib/core/pg-safe-json";

export const DECISION_COPY_COLUMNS = [
  "timestamp",
  "decision_id",
  "path",
  "allowed",
  "caller",
  "agent",
  "credential_id",
  "revisions",
  "unpublished",
  "bundles",
  "input",
  "result",
  "labels",
  "metrics",
  "extra",
] as const;

export const DECISION_COPY_COLUMN_LIST = DECISION_COPY_COLUMNS.map((c) => `"${c}"`).join(", ");

/** The columns auditors filter on, as extracted from an event. */
export type DecisionColumns = {
  timestamp: string;
  decisionId: string;
  path: string | null;
  allowed: boolean | null;
  caller: string | null;
  agent: string;
  revisions: string[];
  unpublished: boolean;
};

/** The rest of the row: who uploaded it, and the documents kept whole, as JSON text (null: none). */
export type DecisionDocuments = {
  credentialId: string | null;
  bundles: string | null;
  input: string | null;
  result: string | null;
  labels: string | null;
  metrics: string | null;
  extra: string | null;
};

const NULL = "\\N";
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** COPY text escaping: backslash, and the row/column separators (values are pgSafeText already). */
function text(value: string | null): string {
  if (value === null) return NULL;
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : value;
}

/** JSON text for a jsonb column: JSON null is SQL NULL; escapes jsonb refuses become U+FFFD. */
function json(value: string | null): string {
  if (value === null || value === "null") return NULL;
  // Uploaded JSON is usually compact: then only a backslash needs escaping, and one indexOf per
  // character class is cheaper than the general pattern over a whole document.
  if (!value.includes("\n") && !value.includes("\r") && !value.includes("\t")) {
    return value.includes("\\") ? pgSafeJson(value).replaceAll("\\", "\\\\") : value;
  }
  return text(value.includes("\\u") ? pgSafeJson(value) : value);
}

function bool(value: boolean | null): string {
  return value === null ? NULL : value ? "t" : "f";
}

/** A text[] literal: every element double-quoted, with backslash and quote escaped. */
function textArray(values: string[]): string {
  return text(`{${values.map((v) => `"${v.replace(/[\\"]/g, "\\$&")}"`).join(",")}}`);
}

/** One line (with its newline) of `COPY decisions (DECISION_COPY_COLUMN_LIST) FROM STDIN`. */
export function decisionCopyLine(c: DecisionColumns, d: DecisionDocuments): string {
  return (
    `${c.timestamp}\t${text(c.decisionId)}\t${text(c.path)}\t${bool(c.allowed)}\t${text(c.caller)}\t${text(c.agent)}\t${d.credentialId ?? NULL}\t` +
    `${textArray(c.revisions)}\t${bool(c.unpublished)}\t${json(d.bundles)}\t${json(d.input)}\t${json(d.result)}\t${json(d.labels)}\t${json(d.metrics)}\t${json(d.extra)}\n`
  );
}
