// Reads an allowlist import (CSV or JSON) into numbered rows for the change planner.
// CSV rows are numbered as a spreadsheet shows them (the header is row 1); JSON entries are
// numbered from 1 in array order. Values are passed on unchecked: the planner validates them.

import { parse as parseCsv } from "csv-parse/sync";
import { AppError } from "@/lib/core/errors";
import { MAX_IMPORT_ROWS } from "@/lib/allowlists/schemas";
import type { TEntrySpecInput } from "@/lib/allowlists/schemas";
import type { RowError } from "@/lib/allowlists/change-plan";

export const CSV_COLUMNS = [
  "service",
  "method",
  "path",
  "caller",
  "owner",
  "reason",
  "expires_at",
  "cross_trust_domain",
] as const;
// The fields of a JSON entry (the CSV columns in camelCase); anything else an entry holds is ignored.
const JSON_ENTRY_FIELDS = CSV_COLUMNS.map((column) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
const REQUIRED_COLUMNS = ["service", "method", "path", "caller", "owner", "reason"] as const;

export type ImportRow = { row: number; value: TEntrySpecInput };
export type ParsedImport = { rows: ImportRow[]; errors: RowError[] };

export function parseImportFile(format: "csv" | "json", text: string): ParsedImport {
  return format === "csv" ? parseCsvRows(text) : parseJsonRows(text);
}

function assertRowLimit(count: number): void {
  if (count > MAX_IMPORT_ROWS) {
    throw new AppError(
      "payload_too_large",
      `The import has ${count.toLocaleString("en-US")} rows; the limit is ${MAX_IMPORT_ROWS.toLocaleString("en-US")} per import`,
    );
  }
}

function parseCsvRows(text: string): ParsedImport {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With info: true, csv-parse yields { record, info } objects, which its types do not express.
    records = parseCsv(text.replace(/^\uFEFF/, ""), {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      max_record_size: 64 * 1024,
    }) as unknown as typeof records;
  } catch (cause) {
    const line = (cause as { lines?: number }).lines;
    throw new AppError(
      "unprocessable",
      `The CSV cannot be read${line ? ` (row ${line})` : ""}: check quoting and delimiters`,
      { cause, extra: { rowErrors: [{ row: line ?? 1, field: null, message: "malformed CSV" }] } },
    );
  }
  const [header, ...data] = records;
  if (!header)
    throw new AppError("unprocessable", "The CSV is empty; the first row must name the columns", {
      extra: { rowErrors: [{ row: 1, field: null, message: `expected the header ${CSV_COLUMNS.join(",")}` }] },
    });
  const columns = header.record.map((c) => c.trim().toLowerCase());
  checkHeader(columns);
  assertRowLimit(data.length);
  const errors: RowError[] = [];
  const rows: ImportRow[] = [];
  for (const { record, info } of data) {
    if (record.length > columns.length) {
      errors.push({
        row: info.lines,
        field: null,
        message: `has ${record.length} cells but the header names ${columns.length} columns`,
      });
      continue;
    }
    const get = (name: string) => {
      const i = columns.indexOf(name);
      return i === -1 ? undefined : record[i];
    };
    rows.push({
      row: info.lines,
      value: {
        service: get("service"),
        method: get("method"),
        path: get("path"),
        caller: get("caller"),
        owner: unescapeFormula(get("owner")),
        reason: unescapeFormula(get("reason")),
        expiresAt: get("expires_at"),
        crossTrustDomain: get("cross_trust_domain"),
      },
    });
  }
  return { rows, errors };
}

function checkHeader(columns: string[]): void {
  const problems: string[] = [];
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length)
    problems.push(`unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")}`);
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) problems.push(`missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  const duplicated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (duplicated.length) problems.push(`column ${duplicated[0]} appears twice`);
  if (problems.length) {
    throw new AppError(
      "unprocessable",
      `The CSV header is wrong: ${problems.join("; ")}. Expected ${CSV_COLUMNS.join(",")}`,
      {
        extra: { rowErrors: [{ row: 1, field: null, message: problems.join("; ") }] },
      },
    );
  }
}

// Exports prefix cells that a spreadsheet would run as a formula with "'" (see export); undo it.
function unescapeFormula(value: string | undefined): string | undefined {
  return value && /^'+[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

function parseJsonRows(text: string): ParsedImport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new AppError("bad_request", "The file is not valid JSON", { cause });
  }
  const entries = Array.isArray(parsed) ? parsed : (parsed as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) {
    throw new AppError("unprocessable", 'The JSON must be {"entries": [...]} (as exported) or an array of entries');
  }
  assertRowLimit(entries.length);
  const errors: RowError[] = [];
  const rows: ImportRow[] = [];
  entries.forEach((entry: unknown, i) => {
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      errors.push({
        row: i + 1,
        field: null,
        message: "must be an object with service, method, path, caller, owner and reason",
      });
      return;
    }
    const e = entry as Record<string, unknown>;
    rows.push({
      row: i + 1,
      value: Object.fromEntries(JSON_ENTRY_FIELDS.map((field) => [field, e[field]])) as ImportRow["value"],
    });
  });
  return { rows, errors };
}
