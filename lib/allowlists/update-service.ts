import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { TUpdateServiceRequest } from "@/lib/allowlists/schemas";

export async function updateService(options: {
  actor: Actor;
  name: string;
  input: TUpdateServiceRequest;
  requestId?: string;
}) {
  const { actor, name, input } = options;
  requirePermission(actor, "allowlist:write");
  return db.$transaction(async (tx) => {
    const before = await tx.service.findUnique({
      where: { name },
      select: { id: true, ownerTeam: true, description: true },
    });
    if (!before) throw notFound("Service");
    const after = await tx.service.update({ where: { id: before.id }, data: input });
    await recordAuditEvent(tx, {
      actor,
      action: "service.update",
      target: { type: "service", id: before.id },
      before: { ownerTeam: before.ownerTeam, description: before.description },
      after: { ownerTeam: after.ownerTeam, description: after.description },
      requestId: options.requestId,
    });
    return after;
  });
}
