import type { Prisma } from "@/lib/generated/prisma/client";
import type { AlertKind } from "@/lib/alerts/alert-kinds";

/** What the API and console show of a webhook: never the URL's credential or the secret. */
export type AlertWebhookView = {
  id: string;
  name: string;
  url: string;
  format: "json" | "slack";
  kinds: AlertKind[];
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  pending: number;
  lastDelivery: { state: "pending" | "delivered" | "failed"; at: string; status: number | null } | null;
};

export const WEBHOOK_VIEW_SELECT = {
  id: true,
  name: true,
  urlDisplay: true,
  format: true,
  kinds: true,
  enabled: true,
  createdAt: true,
  createdBy: { select: { email: true } },
  deliveries: {
    orderBy: { createdAt: "desc" },
    take: 1,
    select: { state: true, createdAt: true, deliveredAt: true, lastStatus: true },
  },
  _count: { select: { deliveries: { where: { state: "pending" } } } },
} satisfies Prisma.AlertWebhookSelect;

type Row = Prisma.AlertWebhookGetPayload<{ select: typeof WEBHOOK_VIEW_SELECT }>;

export function toWebhookView(row: Row): AlertWebhookView {
  const last = row.deliveries[0];
  return {
    id: row.id,
    name: row.name,
    url: row.urlDisplay,
    format: row.format,
    kinds: row.kinds as AlertKind[],
    enabled: row.enabled,
    createdBy: row.createdBy.email,
    createdAt: row.createdAt.toISOString(),
    pending: row._count.deliveries,
    lastDelivery: last
      ? {
          state: last.state,
          at: (last.deliveredAt ?? last.createdAt).toISOString(),
          status: last.lastStatus,
        }
      : null,
  };
}
