import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";

export async function removeEndpoint(options: {
  actor: Actor;
  serviceName: string;
  endpointId: string;
  requestId?: string;
}) {
  const { actor, serviceName, endpointId } = options;
  requirePermission(actor, "allowlist:write");
  await db.$transaction(async (tx) => {
    const endpoint = await tx.serviceEndpoint.findFirst({
      where: { id: endpointId, service: { name: serviceName } },
      include: { _count: { select: { entries: true } } },
    });
    if (!endpoint) throw notFound("Endpoint");
    const grants = endpoint._count.entries;
    if (grants > 0)
      throw new AppError(
        "conflict",
        `${endpoint.method} ${endpoint.pathPattern} still has ${grants} grant${grants === 1 ? "" : "s"}; revoke them first`,
      );
    await tx.serviceEndpoint.delete({ where: { id: endpoint.id } });
    await recordAuditEvent(tx, {
      actor,
      action: "service.endpoint.delete",
      target: { type: "service", id: endpoint.serviceId },
      before: { endpointId: endpoint.id, method: endpoint.method, path: endpoint.pathPattern },
      requestId: options.requestId,
    });
  });
  return { deleted: true };
}
