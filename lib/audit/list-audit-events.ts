import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { TListAuditEventsQuery } from "@/lib/audit/schemas";
import { chainedFieldsJson, type ChainedFields } from "@/lib/audit/record-audit-event";

/** An audit event as the API shows it: the chained fields, with seq and time as strings. */
export type AuditEventView = Omit<ChainedFields, "seq" | "occurredAt"> & {
  seq: string;
  occurredAt: string;
  hash: string;
};

/** Newest first, keyset-paginated on seq. */
export async function listAuditEvents(options: { actor: Actor; query: TListAuditEventsQuery }) {
  requirePermission(options.actor, "audit:read");
  const q = options.query;
  const where: Prisma.AuditEventWhereInput = {
    ...(q.action ? { action: { startsWith: q.action } } : {}),
    ...(q.actor ? { actorLabel: { contains: q.actor, mode: "insensitive" } } : {}),
    ...(q.targetType ? { targetType: q.targetType } : {}),
    ...(q.targetId ? { targetId: q.targetId } : {}),
    ...(q.from || q.to ? { occurredAt: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) } } : {}),
    ...(q.before ? { seq: { lt: BigInt(q.before) } } : {}),
  };
  const rows = await db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, take: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(toView),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.seq.toString() : null,
  };
}

function toView(row: Prisma.AuditEventGetPayload<object>): AuditEventView {
  return { ...chainedFieldsJson(row), hash: row.hash };
}
