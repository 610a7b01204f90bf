import { stringify } from "csv-stringify/sync";
import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { loadStoredEntries } from "@/lib/allowlists/load-allowlists";
import { CSV_COLUMNS } from "@/lib/allowlists/import-file";
import type { StoredEntry } from "@/lib/allowlists/change-plan";

/** A grant as an export file holds it: no ids, the expiry as an ISO string. */
export type ExportedEntry = Omit<StoredEntry, "id" | "endpointId" | "expiresAt"> & { expiresAt: string | null };

/** Every grant (expired ones included, so an export → import round trip loses nothing). */
export async function exportAllowlists(options: {
  actor: Actor;
  format: "csv" | "json";
}): Promise<{ body: string; contentType: string; fileName: string }> {
  requirePermission(options.actor, "allowlist:read");
  const entries = (await loadStoredEntries(db)).sort(compareEntries).map(toExported);
  const now = new Date();
  const stamp = now.toISOString().slice(0, 10);
  const body = serializeAllowlistExport(entries, options.format, now);
  return options.format === "json"
    ? { body, contentType: "application/json", fileName: `allowlists-${stamp}.json` }
    : { body, contentType: "text/csv; charset=utf-8", fileName: `allowlists-${stamp}.csv` };
}

/** The text of an export file; importing it gives back the same grants (see import-file.ts). */
export function serializeAllowlistExport(
  entries: ExportedEntry[],
  format: "csv" | "json",
  exportedAt = new Date(),
): string {
  if (format === "json") return `${JSON.stringify({ exportedAt: exportedAt.toISOString(), entries }, null, 2)}\n`;
  const rows = entries.map((e) => [
    e.service,
    e.method,
    e.path,
    e.caller,
    guardFormula(e.owner),
    guardFormula(e.reason),
    e.expiresAt ?? "",
    e.crossTrustDomain ? "true" : "false",
  ]);
  return stringify([[...CSV_COLUMNS], ...rows]);
}

function compareEntries(a: StoredEntry, b: StoredEntry): number {
  return (
    a.service.localeCompare(b.service) ||
    a.path.localeCompare(b.path) ||
    a.method.localeCompare(b.method) ||
    a.caller.localeCompare(b.caller)
  );
}

function toExported({ id: _id, endpointId: _endpointId, expiresAt, ...fields }: StoredEntry): ExportedEntry {
  return { ...fields, expiresAt: expiresAt?.toISOString() ?? null };
}

// Free-text cells that a spreadsheet would evaluate as a formula get a leading "'" (OWASP CSV
// injection advice); the importer strips one again. A value that already starts with quotes before
// such a character gets one more, so that it survives the round trip unchanged.
function guardFormula(value: string): string {
  return /^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
