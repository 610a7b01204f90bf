import type { EntrySpec } from "@/lib/allowlists/change-plan";
import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { mayDecide, ownsGrant } from "@/lib/recertification/proposal-actor";
import type { NarrowEndpoint, ObservedEndpoint } from "@/lib/recertification/grant-evidence";
import type { TCampaignScope } from "@/lib/recertification/schemas";

export type CampaignProgress = {
  total: number;
  decided: number;
  pending: number;
  kept: number;
  narrowed: number;
  revoked: number;
  used: number;
  unused: number;
  overWide: number;
  /** Undecided items of an open campaign past its due date. */
  overdue: number;
};

export type CampaignSummary = {
  id: string;
  number: number;
  title: string;
  scope: TCampaignScope;
  unusedDays: number;
  evidenceFrom: string;
  dueAt: string;
  status: "open" | "closed";
  startedAt: string;
  closedAt: string | null;
  lastReminderAt: string | null;
  overdue: boolean;
  progress: CampaignProgress;
};

export type CampaignItemView = Omit<EntrySpec, "expiresAt" | "crossTrustDomain"> & {
  id: string;
  entryId: string;
  expiresAt: string | null;
  classification: "used" | "unused" | "over_wide";
  lastUsedAt: string | null;
  requestCount: string;
  endpointCount: number;
  endpoints: ObservedEndpoint[];
  narrowTo: NarrowEndpoint[] | null;
  suggestion: "keep" | "narrow" | "revoke";
  decision: "keep" | "narrow" | "revoke" | null;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string;
  changeRequestNumber: number | null;
  overdue: boolean;
  /** Whether the viewer may decide it (its owner, or an admin) while the campaign is open. */
  mayDecide: boolean;
  mine: boolean;
};

type CampaignRow = Awaited<ReturnType<typeof db.recertificationCampaign.findFirstOrThrow>>;

async function progressOf(campaignIds: string[], now: Date): Promise<Map<string, CampaignProgress>> {
  const rows = await db.$queryRaw<Array<CampaignProgress & { campaign_id: string }>>`
    SELECT i.campaign_id,
           count(*)::int AS total,
           count(i.decision)::int AS decided,
           (count(*) - count(i.decision))::int AS pending,
           count(*) FILTER (WHERE i.decision = 'keep')::int AS kept,
           count(*) FILTER (WHERE i.decision = 'narrow')::int AS narrowed,
           count(*) FILTER (WHERE i.decision = 'revoke')::int AS revoked,
           count(*) FILTER (WHERE i.classification = 'used')::int AS used,
           count(*) FILTER (WHERE i.classification = 'unused')::int AS unused,
           count(*) FILTER (WHERE i.classification = 'over_wide')::int AS "overWide",
           count(*) FILTER (WHERE i.decision IS NULL AND c.status = 'open' AND c.due_at < ${now})::int AS overdue
      FROM recertification_items i JOIN recertification_campaigns c ON c.id = i.campaign_id
     WHERE i.campaign_id = ANY(${campaignIds}::uuid[])
     GROUP BY i.campaign_id`;
  return new Map(rows.map(({ campaign_id, ...p }) => [campaign_id, p]));
}

const EMPTY: CampaignProgress = {
  total: 0,
  decided: 0,
  pending: 0,
  kept: 0,
  narrowed: 0,
  revoked: 0,
  used: 0,
  unused: 0,
  overWide: 0,
  overdue: 0,
};

function summary(c: CampaignRow, progress: CampaignProgress | undefined, now: Date): CampaignSummary {
  return {
    id: c.id,
    number: c.number,
    title: c.title,
    scope: c.scope as TCampaignScope,
    unusedDays: c.unusedDays,
    evidenceFrom: c.evidenceFrom.toISOString(),
    dueAt: c.dueAt.toISOString(),
    status: c.status,
    startedAt: c.startedAt.toISOString(),
    closedAt: c.closedAt?.toISOString() ?? null,
    lastReminderAt: c.lastReminderAt?.toISOString() ?? null,
    overdue: c.status === "open" && c.dueAt < now && (progress?.pending ?? 0) > 0,
    progress: progress ?? EMPTY,
  };
}

export async function listCampaigns(options: { actor: Actor; now?: Date }): Promise<CampaignSummary[]> {
  requirePermission(options.actor, "allowlist:read");
  const now = options.now ?? new Date();
  const campaigns = await db.recertificationCampaign.findMany({ orderBy: { number: "desc" }, take: 200 });
  const progress = await progressOf(
    campaigns.map((c) => c.id),
    now,
  );
  return campaigns.map((c) => summary(c, progress.get(c.id), now));
}

export async function getCampaign(options: {
  actor: Actor;
  number: number;
  mine?: boolean;
  state?: "all" | "pending" | "decided";
  now?: Date;
}): Promise<{ campaign: CampaignSummary; items: CampaignItemView[] }> {
  const { actor } = options;
  requirePermission(actor, "allowlist:read");
  const now = options.now ?? new Date();
  const campaign = await db.recertificationCampaign.findUnique({ where: { number: options.number } });
  if (!campaign) throw notFound("Recertification campaign");
  const progress = await progressOf([campaign.id], now);
  const items = await db.recertificationItem.findMany({
    where: {
      campaignId: campaign.id,
      ...(options.mine ? { owner: { equals: actor.email, mode: "insensitive" } } : {}),
      ...(options.state === "pending"
        ? { decision: null }
        : options.state === "decided"
          ? { NOT: { decision: null } }
          : {}),
    },
    orderBy: [{ owner: "asc" }, { service: "asc" }, { path: "asc" }, { method: "asc" }, { caller: "asc" }],
  });
  const deciders = await db.user.findMany({
    where: { id: { in: [...new Set(items.map((i) => i.decidedById).filter((id): id is string => !!id))] } },
    select: { id: true, email: true },
  });
  const emailOf = new Map(deciders.map((u) => [u.id, u.email]));
  const open = campaign.status === "open";
  return {
    campaign: summary(campaign, progress.get(campaign.id), now),
    items: items.map((i) => ({
      id: i.id,
      entryId: i.entryId,
      service: i.service,
      method: i.method,
      path: i.path,
      caller: i.caller,
      owner: i.owner,
      reason: i.reason,
      expiresAt: i.expiresAt?.toISOString() ?? null,
      classification: i.classification as CampaignItemView["classification"],
      lastUsedAt: i.lastUsedAt?.toISOString() ?? null,
      requestCount: i.requestCount.toString(),
      endpointCount: i.endpointCount,
      endpoints: i.endpoints as ObservedEndpoint[],
      narrowTo: (i.narrowTo as NarrowEndpoint[] | null) ?? null,
      suggestion: i.suggestion,
      decision: i.decision,
      decidedBy: i.decidedById ? (emailOf.get(i.decidedById) ?? null) : null,
      decidedAt: i.decidedAt?.toISOString() ?? null,
      note: i.note,
      changeRequestNumber: i.changeRequestNumber,
      overdue: open && !i.decision && campaign.dueAt < now,
      mayDecide: open && !i.decision && mayDecide(actor, i.owner),
      mine: ownsGrant(actor, i.owner),
    })),
  };
}
