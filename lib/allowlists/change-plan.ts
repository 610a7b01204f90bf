// Plans a change to the allowlists: validates every requested grant against the service
// catalog, compares with what is stored, and describes the result as an access diff of
// (caller → service METHOD path) tuples. Pure: the caller loads the catalog and entries.

import { createHash } from "node:crypto";
import { parseCallerPattern } from "@/lib/allowlists/spiffe-id";
import { endpointKey, parseMethod, parsePathPattern } from "@/lib/allowlists/path-pattern";
import type { TEntryKeyInput, TEntrySpecInput } from "@/lib/allowlists/schemas";
import { describeEntryChanges, formatDiffSummary, grantLine, type AccessDiff } from "@/lib/allowlists/access-diff";

export type CatalogEndpoint = { id: string; method: string; path: string };
export type CatalogService = { id: string; name: string; trustDomain: string; endpoints: Map<string, CatalogEndpoint> };
export type Catalog = Map<string, CatalogService>;

export type StoredEntry = {
  id: string;
  endpointId: string;
  service: string;
  method: string;
  path: string;
  caller: string;
  owner: string;
  reason: string;
  expiresAt: Date | null;
  crossTrustDomain: boolean;
};
export type EntrySpec = Omit<StoredEntry, "id" | "endpointId">;
export type RowError = { row: number; field: string | null; message: string; code?: "duplicate" };

export type ChangePlan = {
  adds: Array<{ row: number; spec: EntrySpec; endpointId: string }>;
  updates: Array<{ row: number; spec: EntrySpec; entry: StoredEntry }>;
  removes: Array<{ row: number | null; entry: StoredEntry }>;
  unchanged: Array<{ row: number; entry: StoredEntry }>;
  errors: RowError[];
  diff: AccessDiff;
  /** sha256 of the diff: an apply can insist that the plan is still the one it was shown. */
  planHash: string;
};

export type PlanInput = {
  catalog: Catalog;
  existing: StoredEntry[];
  upserts: Array<{ row: number; value: TEntrySpecInput }>;
  removals: Array<{ row: number; value: TEntryKeyInput }>;
  mode: "merge" | "replace";
  now: Date;
};

export const entryKey = (e: { service: string; method: string; path: string; caller: string }) =>
  `${e.service}\u0000${e.method}\u0000${e.path}\u0000${e.caller}`;

export function planChanges(input: PlanInput): ChangePlan {
  const errors: RowError[] = [];
  const existingByKey = new Map(input.existing.map((e) => [entryKey(e), e]));
  const seen = new Map<string, number>();
  const plan: Omit<ChangePlan, "diff" | "planHash"> = { adds: [], updates: [], removes: [], unchanged: [], errors };

  for (const { row, value } of input.upserts) {
    const checked = checkSpec(value, row, input.catalog, errors);
    if (!checked) continue;
    const key = entryKey(checked.spec);
    if (seen.has(key)) {
      errors.push({
        row,
        field: null,
        message: `grants the same caller, service, method and path as row ${seen.get(key)}`,
      });
      continue;
    }
    seen.set(key, row);
    const current = existingByKey.get(key);
    const expiry = checked.spec.expiresAt;
    // An unchanged expired grant may be re-imported (exports include them); a new or moved expiry must lie ahead.
    if (expiry && expiry.getTime() <= input.now.getTime() && current?.expiresAt?.getTime() !== expiry.getTime()) {
      errors.push({ row, field: "expiresAt", message: `is in the past (${expiry.toISOString()})` });
      continue;
    }
    if (!current) plan.adds.push({ row, spec: checked.spec, endpointId: checked.endpointId });
    else if (describeEntryChanges(current, checked.spec).length > 0)
      plan.updates.push({ row, spec: checked.spec, entry: current });
    else plan.unchanged.push({ row, entry: current });
  }

  for (const { row, value } of input.removals) {
    const key = checkKey(value, row, input.catalog, errors);
    if (!key) continue;
    if (seen.has(key)) {
      errors.push({ row, field: null, message: `removes a grant that row ${seen.get(key)} adds or changes` });
      continue;
    }
    const current = existingByKey.get(key);
    if (!current) {
      errors.push({ row, field: null, message: "no such grant exists" });
      continue;
    }
    seen.set(key, row);
    plan.removes.push({ row, entry: current });
  }

  if (input.mode === "replace") {
    for (const entry of input.existing) {
      if (!seen.has(entryKey(entry))) plan.removes.push({ row: null, entry });
    }
  }
  const diff = buildDiff(plan);
  return { ...plan, diff, planHash: createHash("sha256").update(diff.lines.join("\n")).digest("hex") };
}

function buildDiff(plan: Omit<ChangePlan, "diff" | "planHash">): AccessDiff {
  const lines = [
    ...plan.adds.map((a) => `+ ${grantLine(a.spec)}`).sort(),
    ...plan.removes.map((r) => `− ${grantLine(r.entry)}`).sort(),
    ...plan.updates.map((u) => `~ ${grantLine(u.spec)}: ${describeEntryChanges(u.entry, u.spec).join("; ")}`).sort(),
  ];
  const counts = {
    added: plan.adds.length,
    removed: plan.removes.length,
    changed: plan.updates.length,
    unchanged: plan.unchanged.length,
  };
  return { lines, ...counts, summary: formatDiffSummary(counts, lines) };
}

type Checked = { spec: EntrySpec; endpointId: string };

function checkSpec(value: TEntrySpecInput, row: number, catalog: Catalog, errors: RowError[]): Checked | null {
  const before = errors.length;
  const err = (field: string, message: string) => errors.push({ row, field, message });
  const target = checkTarget(value, row, catalog, errors);
  const owner = text(value.owner, 120);
  if (typeof owner !== "string") err("owner", owner.error);
  const reason = text(value.reason, 2000);
  if (typeof reason !== "string") err("reason", reason.error);
  const expiresAt = parseExpiry(value.expiresAt);
  if (expiresAt instanceof Error) err("expiresAt", expiresAt.message);
  const cross = parseBool(value.crossTrustDomain);
  if (cross === null) err("crossTrustDomain", "must be true or false");
  if (target && cross !== null) {
    const callerTd = target.callerTrustDomain;
    if (callerTd !== target.service.trustDomain && !cross) {
      err(
        "caller",
        `is in trust domain ${callerTd} but ${target.service.name} is in ${target.service.trustDomain}; set crossTrustDomain to grant a caller from another trust domain explicitly`,
      );
    } else if (callerTd === target.service.trustDomain && cross) {
      err("crossTrustDomain", `is set, but the caller is in ${target.service.name}'s own trust domain (${callerTd})`);
    }
  }
  if (errors.length > before || !target) return null;
  return {
    spec: {
      service: target.service.name,
      method: target.endpoint.method,
      path: target.endpoint.path,
      caller: target.caller,
      owner: owner as string,
      reason: reason as string,
      expiresAt: expiresAt as Date | null,
      crossTrustDomain: cross as boolean,
    },
    endpointId: target.endpoint.id,
  };
}

type Target = { service: CatalogService; endpoint: CatalogEndpoint; caller: string; callerTrustDomain: string };

function checkTarget(value: TEntryKeyInput, row: number, catalog: Catalog, errors: RowError[]): Target | null {
  const err = (field: string, message: string) => errors.push({ row, field, message });
  const serviceName = typeof value.service === "string" ? value.service.trim() : "";
  const service = catalog.get(serviceName);
  if (!serviceName) err("service", "is required");
  else if (!service) err("service", `unknown service "${serviceName}"`);
  const method =
    typeof value.method === "string" ? parseMethod(value.method) : { ok: false as const, error: "is required" };
  if (!method.ok) err("method", method.error);
  const path =
    typeof value.path === "string" ? parsePathPattern(value.path.trim()) : { ok: false as const, error: "is required" };
  if (!path.ok) err("path", path.error);
  const caller =
    typeof value.caller === "string"
      ? parseCallerPattern(value.caller.trim())
      : { ok: false as const, error: "is required" };
  if (!caller.ok) err("caller", caller.error);
  if (!service || !method.ok || !path.ok || !caller.ok) return null;
  const endpoint = service.endpoints.get(endpointKey(method.value, path.value.path));
  if (!endpoint) {
    err("path", `${service.name} has no endpoint ${method.value} ${path.value.path}; add it to the service first`);
    return null;
  }
  return { service, endpoint, caller: caller.value.id, callerTrustDomain: caller.value.trustDomain };
}

function checkKey(value: TEntryKeyInput, row: number, catalog: Catalog, errors: RowError[]): string | null {
  const target = checkTarget(value, row, catalog, errors);
  return target
    ? entryKey({
        service: target.service.name,
        method: target.endpoint.method,
        path: target.endpoint.path,
        caller: target.caller,
      })
    : null;
}

function text(value: unknown, max: number): string | { error: string } {
  if (value === undefined || value === null) return { error: "is required" };
  if (typeof value !== "string") return { error: "must be text" };
  const trimmed = value.trim();
  if (!trimmed) return { error: "is required" };
  if (trimmed.length > max) return { error: `must be at most ${max} characters` };
  return trimmed;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date-time with zone (or a bare date, meaning 00:00 UTC); blank means no expiry. */
export function parseExpiry(value: unknown): Date | null | Error {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string" || !ISO_DATE_TIME.test(value.trim())) {
    return new Error("must be an ISO 8601 date-time with a zone, such as 2026-12-31T00:00:00Z, or empty for no expiry");
  }
  const trimmed = value.trim();
  const date = new Date(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed);
  if (Number.isNaN(date.getTime()) || !isCalendarDate(trimmed)) return new Error("is not a real date");
  return date;
}

// `new Date("2026-02-30")` rolls over to March 2 instead of failing.
function isCalendarDate(written: string): boolean {
  const [y, m, d] = written.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function parseBool(value: unknown): boolean | null {
  if (value === undefined || value === null || value === "") return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (["true", "yes", "1"].includes(v)) return true;
    if (["false", "no", "0"].includes(v)) return false;
  }
  return null;
}
