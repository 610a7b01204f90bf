import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { parseInput } from "@/lib/allowlists/create-service";
import { grantEvidence } from "@/lib/recertification/grant-evidence";
import { classify } from "@/lib/recertification/classify";
import { scopeGrants } from "@/lib/recertification/scope-grants";
import { ZStartCampaignRequest, type TStartCampaignRequest } from "@/lib/recertification/schemas";

const DAY_MS = 86_400_000;
const START_TIMEOUT_MS = 120_000;

/**
 * An admin starts a campaign: every grant in scope becomes an item for its owner, with its use
 * over the last `unusedDays` days from the decision log (one set-based query for all of them).
 */
export async function startCampaign(options: {
  actor: Actor;
  input: TStartCampaignRequest;
  now?: Date;
  requestId?: string;
}): Promise<{ id: string; number: number; items: number; counts: Record<string, number> }> {
  const { actor } = options;
  requirePermission(actor, "recertification:manage");
  const input = parseInput(ZStartCampaignRequest, options.input);
  const now = options.now ?? new Date();
  if (input.dueAt.getTime() <= now.getTime())
    throw new AppError("validation_failed", "The due date must lie ahead", {
      fieldErrors: [{ path: "body.dueAt", message: "must lie ahead" }],
    });
  const grants = await scopeGrants(input.scope);
  if (grants.length === 0) throw new AppError("unprocessable", "No grants are in this scope");
  const evidenceFrom = new Date(now.getTime() - input.unusedDays * DAY_MS);
  const evidence = await grantEvidence(grants, { from: evidenceFrom, to: now });
  const items = grants.map((g) => {
    const e = evidence.get(g.id)!;
    return {
      entryId: g.id,
      service: g.service,
      method: g.method,
      path: g.path,
      caller: g.caller,
      owner: g.owner,
      reason: g.reason,
      expiresAt: g.expiresAt,
      crossTrustDomain: g.crossTrustDomain,
      ...classify(e, g.createdAt, evidenceFrom),
      lastUsedAt: e.lastUsedAt,
      requestCount: e.requestCount,
      endpointCount: e.endpointCount,
      endpoints: e.endpoints,
      narrowTo: e.narrowTo ?? undefined,
    };
  });
  const counts = { used: 0, unused: 0, over_wide: 0 };
  for (const item of items) counts[item.classification] += 1;
  return db.$transaction(
    async (tx) => {
      const campaign = await tx.recertificationCampaign.create({
        data: {
          title: input.title,
          scope: input.scope,
          unusedDays: input.unusedDays,
          evidenceFrom,
          dueAt: input.dueAt,
          startedById: actor.userId,
          startedAt: now,
        },
      });
      await tx.recertificationItem.createMany({ data: items.map((i) => ({ ...i, campaignId: campaign.id })) });
      await recordAuditEvent(tx, {
        actor,
        action: "recertification.start",
        target: { type: "recertification_campaign", id: campaign.id },
        after: {
          number: campaign.number,
          title: campaign.title,
          scope: input.scope,
          unusedDays: input.unusedDays,
          dueAt: input.dueAt.toISOString(),
          items: items.length,
          ...counts,
        },
        requestId: options.requestId,
      });
      return { id: campaign.id, number: campaign.number, items: items.length, counts };
    },
    { timeout: START_TIMEOUT_MS },
  );
}
