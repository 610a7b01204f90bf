import { AppError, type FieldError } from "@/lib/core/errors";
import { formatBytes } from "@/lib/core/read-body";
import { MAX_JSON_DEPTH } from "@/lib/core/json-depth";
import { scanBatchMembers, type BatchMembers, type DocumentMember } from "@/lib/decisions/batch-members";
import { extractAllowed, extractCaller, extractRevisions } from "@/lib/decisions/extract-fields";
import { parseEventTimestamp, type EventTimestamp } from "@/lib/decisions/event-timestamp";
import { decisionCopyLine, type DecisionColumns } from "@/lib/decisions/copy-format";
import { pgSafeText } from "@/lib/core/pg-safe-json";
import { isUnpublished, type RevisionRef } from "@/lib/decisions/provenance";
import { ZDecisionEvent, type TDecisionEvent } from "@/lib/decisions/schemas";
import { isCertainlyValidEvent } from "@/lib/decisions/decision-event-check";

/**
 * One validated decision: the columns auditors filter on (also what the hourly rollups count),
 * its UTC day (the partition), and the whole row as a line of COPY text, ready to stream.
 */
export type DecisionRow = DecisionColumns & { day: string; copyLine: string };

export type BuildOptions = {
  /** The uploading credential, and how an agent's identity is read from its labels (as the fleet does). */
  agent: { credentialId: string | null; identify: (labels: Record<string, string>) => string };
  now: number;
  /** Events stamped before this UTC day are past retention: skipped, not stored. */
  oldestDay: string;
  maxFutureMs: number;
  maxEventBytes: number;
  isPublished: (ref: RevisionRef) => boolean;
};

export type BuiltBatch = { rows: DecisionRow[]; days: Set<string>; expired: number };

const MAX_REPORTED_ERRORS = 20;
const KNOWN_FIELDS = new Set([
  "decision_id",
  "timestamp",
  "labels",
  "path",
  "input",
  "result",
  "bundles",
  "revision",
  "metrics",
]);

/** The events of a batch, and (when parsed from text) where their documents are in that text. */
export type ParsedBatch = { events: unknown[]; members?: BatchMembers };

/** Parses the decompressed body; the whole batch is refused (4xx) if any event is invalid. */
export function parseBatch(body: Buffer): ParsedBatch {
  const text = body.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AppError("bad_request", "The batch is not valid JSON", { cause });
  }
  if (!Array.isArray(value)) throw new AppError("bad_request", "The batch must be a JSON array of decision events");
  // V8 parses any depth; serialising (and PostgreSQL's jsonb) does not, so the limit holds here.
  const members = scanBatchMembers(text, MAX_JSON_DEPTH);
  if (!members) throw new AppError("bad_request", `The batch nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  return { events: value, members };
}

/**
 * Validates every event and turns it into a row. All-or-nothing: any invalid event refuses the
 * batch with the first errors listed.
 */
export function buildDecisionRows(batch: ParsedBatch, options: BuildOptions): BuiltBatch {
  const { events, members } = batch;
  const errors: FieldError[] = [];
  const rows: DecisionRow[] = [];
  const days = new Set<string>();
  let expired = 0;
  for (let i = 0; i < events.length && errors.length < MAX_REPORTED_ERRORS; i++) {
    if (!isCertainlyValidEvent(events[i])) {
      const parsed = ZDecisionEvent.safeParse(events[i]);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          errors.push({ path: `[${i}].${issue.path.map(String).join(".")}`, message: issue.message });
        continue;
      }
    }
    // The schema has no transforms: the event itself is what was validated, and serialising the
    // parser's fresh copy instead would cost more than the parse.
    const event = events[i] as TDecisionEvent;
    const ts = parseEventTimestamp(event.timestamp);
    if (!ts) {
      errors.push({
        path: `[${i}].timestamp`,
        message: "must be an RFC 3339 time such as 2026-05-01T12:00:00.123456789Z",
      });
      continue;
    }
    if (ts.ms > options.now + options.maxFutureMs) {
      errors.push({ path: `[${i}].timestamp`, message: "is more than a day in the future (check the agent's clock)" });
      continue;
    }
    if (ts.day < options.oldestDay) {
      expired += 1;
      continue;
    }
    const row = toRow(
      event,
      ts,
      options,
      members?.located(i) ? (member) => members.text(i, member) ?? null : undefined,
    );
    if (Buffer.byteLength(row.copyLine) > options.maxEventBytes) {
      throw new AppError("payload_too_large", `Event [${i}] is larger than ${formatBytes(options.maxEventBytes)}`);
    }
    rows.push(row);
    days.add(ts.day);
  }
  if (errors.length > 0) {
    throw new AppError("validation_failed", "The batch has invalid decision events; nothing was stored", {
      fieldErrors: errors,
    });
  }
  return { rows, days, expired };
}

/** `uploaded` gives a member's JSON text as uploaded; without it, the parsed value is serialised. */
function toRow(
  event: TDecisionEvent,
  ts: EventTimestamp,
  options: BuildOptions,
  uploaded?: (member: DocumentMember) => string | null,
): DecisionRow {
  const json = uploaded ?? ((member: DocumentMember) => serialised(event[member]));
  const refs: RevisionRef[] = [];
  for (const bundle in event.bundles) {
    const revision = event.bundles[bundle]!.revision;
    if (revision) refs.push({ bundle, revision });
  }
  let extra: Record<string, unknown> | null = null;
  for (const key in event) {
    const value = (event as Record<string, unknown>)[key];
    if (!KNOWN_FIELDS.has(key) && value !== undefined) (extra ??= {})[key] = value;
  }
  // Plain object literals only: this runs for every decision, and object spread costs more here
  // than everything else in the function together.
  const row: DecisionRow = {
    timestamp: ts.iso,
    day: ts.day,
    // Text columns (and the rollups keyed on them) cannot hold NUL or lone surrogates: U+FFFD,
    // the same mapping every time, so that a retried upload keeps its idempotency key.
    decisionId: pgSafeText(event.decision_id),
    path: event.path === undefined ? null : pgSafeText(event.path),
    allowed: extractAllowed(event.result),
    caller: nullableSafeText(extractCaller(event.input)),
    agent: pgSafeText(options.agent.identify(event.labels).slice(0, 256)),
    revisions: extractRevisions(event.bundles, event.revision).map(pgSafeText),
    unpublished: isUnpublished(refs, options.isPublished),
    copyLine: "",
  };
  row.copyLine = decisionCopyLine(row, {
    credentialId: options.agent.credentialId,
    bundles: json("bundles"),
    input: json("input"),
    result: json("result"),
    labels: json("labels"),
    metrics: json("metrics"),
    extra: serialised(extra),
  });
  return row;
}

function serialised(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function nullableSafeText(value: string | null): string | null {
  return value === null ? null : pgSafeText(value);
}
