import { MatchSyntaxError, parseMatchExpression } from "@/lib/decisions/match-expression";
import { ZDecisionFilter, type TDecisionFilter } from "@/lib/decisions/schemas";

export const RANGE_PRESETS = [
  { key: "15m", label: "15 min", ms: 15 * 60_000 },
  { key: "1h", label: "1 hour", ms: 3600_000 },
  { key: "6h", label: "6 hours", ms: 6 * 3600_000 },
  { key: "24h", label: "24 hours", ms: 24 * 3600_000 },
  { key: "7d", label: "7 days", ms: 7 * 86_400_000 },
  { key: "30d", label: "30 days", ms: 30 * 86_400_000 },
] as const;

export const FILTER_KEYS = [
  "outcome",
  "path",
  "caller",
  "agent",
  "revision",
  "decisionId",
  "unpublished",
  "match",
] as const;

export type PageFilter = {
  filter: TDecisionFilter;
  /** The preset in use, or "custom" when from/to were given. */
  range: string;
  /** Query-string values exactly as the page was asked (for links and the filter form). */
  raw: Record<string, string>;
  error: string | null;
  /** Why the JSON match does not parse (shown under the field; nothing is queried). */
  matchError: string | null;
};

const HOUR = 3600_000;

/**
 * The decisions page's URL → filter. Presets are relative to now; those of a day or more start on
 * a whole hour, so their counts come straight from the hourly rollups. Times without a zone are UTC.
 */
export function parsePageFilter(params: Record<string, string | string[] | undefined>, now = Date.now()): PageFilter {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (typeof v === "string" && v !== "") raw[k] = v;
  const custom = Boolean(raw.from || raw.to);
  const preset = RANGE_PRESETS.find((p) => p.key === raw.range) ?? RANGE_PRESETS[3];
  const input: Record<string, string> = {};
  for (const key of FILTER_KEYS) if (raw[key]) input[key] = raw[key]!;
  if (custom) {
    if (raw.from) input.from = asUtc(raw.from);
    if (raw.to) input.to = asUtc(raw.to);
  } else {
    const from = now - preset.ms;
    input.from = new Date(preset.ms >= 24 * HOUR ? Math.floor(from / HOUR) * HOUR : from).toISOString();
  }
  const matchError = raw.match ? matchProblem(raw.match) : null;
  const parsed = ZDecisionFilter.safeParse(input);
  if (parsed.success)
    return { filter: parsed.data, range: custom ? "custom" : preset.key, raw, error: null, matchError };
  const issue = parsed.error.issues[0];
  return {
    filter: ZDecisionFilter.parse({ from: new Date(now - preset.ms).toISOString() }),
    range: preset.key,
    raw,
    error: `${issue?.path.join(".") || "filter"}: ${issue?.message ?? "invalid"}`,
    matchError,
  };
}

function matchProblem(source: string): string | null {
  try {
    parseMatchExpression(source);
    return null;
  } catch (error) {
    if (error instanceof MatchSyntaxError) return error.message;
    throw error;
  }
}

function asUtc(value: string): string {
  return /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
}

/** The API query string for a filter (what the export and live tail use). */
export function filterSearch(filter: TDecisionFilter, extra: Record<string, string> = {}): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined) continue;
    out.set(k, v instanceof Date ? v.toISOString() : String(v));
  }
  for (const [k, v] of Object.entries(extra)) out.set(k, v);
  return out.toString();
}

/** The page's own query string with some keys replaced (or removed with undefined). */
export function pageSearch(raw: Record<string, string>, changes: Record<string, string | undefined>): string {
  const out = new URLSearchParams(raw);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) out.delete(k);
    else out.set(k, v);
  }
  const s = out.toString();
  return s ? `?${s}` : "";
}
