import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { proposeAllowlistChange, type ProposalResult } from "@/lib/allowlists/propose-allowlist-change";
import type { TEntrySpecInput, TUpdateEntryRequest } from "@/lib/allowlists/schemas";
import { asSingleRequest } from "@/lib/allowlists/grant-access";

export async function updateEntry(options: {
  actor: Actor;
  id: string;
  input: TUpdateEntryRequest;
  requestId?: string;
}): Promise<ProposalResult> {
  requirePermission(options.actor, "allowlist:write");
  const entry = await loadEntry(options.id);
  const value: TEntrySpecInput = {
    service: entry.service,
    method: entry.method,
    path: entry.path,
    caller: entry.caller,
    owner: options.input.owner ?? entry.owner,
    reason: options.input.reason ?? entry.reason,
    expiresAt:
      options.input.expiresAt === undefined ? (entry.expiresAt?.toISOString() ?? null) : options.input.expiresAt,
    crossTrustDomain: entry.crossTrustDomain,
  };
  return asSingleRequest(() =>
    proposeAllowlistChange({
      actor: options.actor,
      requestId: options.requestId,
      input: { upserts: [{ row: 1, value }], removals: [], mode: "merge", dryRun: false, source: "api" },
    }),
  );
}

export async function loadEntry(id: string) {
  const entry = await db.allowlistEntry.findUnique({
    where: { id },
    include: { endpoint: { include: { service: { select: { name: true } } } } },
  });
  if (!entry) throw notFound("Allowlist entry");
  return {
    service: entry.endpoint.service.name,
    method: entry.endpoint.method,
    path: entry.endpoint.pathPattern,
    caller: entry.callerId,
    owner: entry.owner,
    reason: entry.reason,
    expiresAt: entry.expiresAt,
    crossTrustDomain: entry.crossTrustDomain,
  };
}
