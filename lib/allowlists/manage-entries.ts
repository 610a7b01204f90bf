import { db } from "@/lib/db";
import { AppError, notFound } from "@/lib/http/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { proposeAllowlistChange, type ProposalResult } from "@/lib/allowlists/propose-allowlist-change";
import type { RowError } from "@/lib/allowlists/change-plan";
import type { TEntrySpecInput, TUpdateEntryRequest } from "@/lib/allowlists/schemas";

// Single-grant operations for the console and the API. Like bulk imports they are proposed as
// change requests (same planner, same access diff) and take effect when one is published.

/** Proposes granting one caller access to one endpoint; 409 when that grant already exists. */
export async function grantAccess(options: { actor: Actor; input: TEntrySpecInput; requestId?: string }): Promise<ProposalResult> {
  requirePermission(options.actor, "allowlist:write");
  return asSingleRequest(() =>
    proposeAllowlistChange({ actor: options.actor, requestId: options.requestId, input: { upserts: [{ row: 1, value: options.input }], removals: [], mode: "merge", dryRun: false, createOnly: true, source: "api" } }),
  );
}

export async function updateEntry(options: { actor: Actor; id: string; input: TUpdateEntryRequest; requestId?: string }): Promise<ProposalResult> {
  requirePermission(options.actor, "allowlist:write");
  const entry = await loadEntry(options.id);
  const value: TEntrySpecInput = {
    service: entry.service, method: entry.method, path: entry.path, caller: entry.caller,
    owner: options.input.owner ?? entry.owner, reason: options.input.reason ?? entry.reason,
    expiresAt: options.input.expiresAt === undefined ? entry.expiresAt?.toISOString() ?? null : options.input.expiresAt,
    crossTrustDomain: entry.crossTrustDomain,
  };
  return asSingleRequest(() =>
    proposeAllowlistChange({ actor: options.actor, requestId: options.requestId, input: { upserts: [{ row: 1, value }], removals: [], mode: "merge", dryRun: false, source: "api" } }),
  );
}

/** Proposes revoking a grant. */
export async function revokeEntry(options: { actor: Actor; id: string; requestId?: string }): Promise<ProposalResult> {
  requirePermission(options.actor, "allowlist:write");
  const entry = await loadEntry(options.id);
  return asSingleRequest(() =>
    proposeAllowlistChange({
      actor: options.actor, requestId: options.requestId, title: `Allowlist: revoke ${entry.caller} → ${entry.service} ${entry.method} ${entry.path}`,
      input: { upserts: [], removals: [{ row: 1, value: { service: entry.service, method: entry.method, path: entry.path, caller: entry.caller } }], mode: "merge", dryRun: false, source: "api" },
    }),
  );
}

async function loadEntry(id: string) {
  const entry = await db.allowlistEntry.findUnique({ where: { id }, include: { endpoint: { include: { service: { select: { name: true } } } } } });
  if (!entry) throw notFound("Allowlist entry");
  return {
    service: entry.endpoint.service.name, method: entry.endpoint.method, path: entry.endpoint.pathPattern, caller: entry.callerId,
    owner: entry.owner, reason: entry.reason, expiresAt: entry.expiresAt, crossTrustDomain: entry.crossTrustDomain,
  };
}

// A single request has no rows: row errors become field errors on the body, duplicates a 409.
async function asSingleRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const rowErrors = error instanceof AppError ? (error.extra?.rowErrors as RowError[] | undefined) : undefined;
    if (!rowErrors) throw error;
    const duplicate = rowErrors.find((e) => e.code === "duplicate");
    if (duplicate) throw new AppError("conflict", duplicate.message, { cause: error });
    throw new AppError("validation_failed", rowErrors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join("; "), {
      cause: error,
      fieldErrors: rowErrors.map((e) => ({ path: e.field ? `body.${e.field}` : "body", message: e.message })),
    });
  }
}
