import { AppError, notFound } from "@/lib/core/errors";
import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { overWideGrants } from "@/lib/recertification/over-wide-grants";
import { proposeGrantChange } from "@/lib/recertification/propose-grant-change";

/**
 * "Propose narrowing" on a service's allowlist page: the grant replaced by the endpoints its
 * observed use needs, as an allowlist change request (reviewed and published like any other).
 */
export async function proposeNarrowing(options: {
  actor: Actor;
  entryId: string;
  days: number;
  now?: Date;
  requestId?: string;
}): Promise<{ changeRequest: { number: number }; narrowTo: Array<{ method: string; path: string }> }> {
  const { actor } = options;
  requirePermission(actor, "allowlist:write");
  requirePermission(actor, "change:submit");
  const entry = await db.allowlistEntry.findUnique({
    where: { id: options.entryId },
    select: { endpoint: { select: { service: { select: { name: true } } } } },
  });
  if (!entry) throw notFound("Grant");
  const service = entry.endpoint.service.name;
  const wide = (await overWideGrants({ actor, service, days: options.days, now: options.now })).find(
    (g) => g.id === options.entryId,
  );
  if (!wide)
    throw new AppError(
      "unprocessable",
      `The last ${options.days} days of decisions show no narrower grant for this one`,
    );
  const changeRequest = await proposeGrantChange({
    decider: actor,
    grant: { ...wide, entryId: wide.id, expiresAt: wide.expiresAt ? new Date(wide.expiresAt) : null },
    narrowTo: wide.narrowTo,
    campaign: null,
    title: `Narrow ${wide.caller} → ${service} ${wide.method} ${wide.path}`,
    description: `Least privilege from evidence: in the last ${options.days} days this grant was used for ${wide.requestCount} allowed requests on ${wide.endpointCount} endpoints; ${wide.narrowTo.map((e) => `${e.method} ${e.path}`).join(", ")} cover all of them.`,
    requestId: options.requestId,
  });
  return { changeRequest, narrowTo: wide.narrowTo };
}
