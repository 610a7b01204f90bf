import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";

/** Deletes a service and its endpoints; refused while any caller is still granted access. */
export async function deleteService(options: { actor: Actor; name: string; requestId?: string }) {
  const { actor, name } = options;
  requirePermission(actor, "allowlist:write");
  await db.$transaction(async (tx) => {
    const service = await tx.service.findUnique({ where: { name }, include: { endpoints: { select: { id: true } } } });
    if (!service) throw notFound("Service");
    const grants = await tx.allowlistEntry.count({ where: { endpoint: { serviceId: service.id } } });
    if (grants > 0)
      throw new AppError(
        "conflict",
        `${name} still has ${grants} grant${grants === 1 ? "" : "s"}; revoke them before deleting the service`,
      );
    await tx.serviceEndpoint.deleteMany({ where: { serviceId: service.id } });
    await tx.service.delete({ where: { id: service.id } });
    await recordAuditEvent(tx, {
      actor,
      action: "service.delete",
      target: { type: "service", id: service.id },
      before: {
        name: service.name,
        trustDomain: service.trustDomain,
        ownerTeam: service.ownerTeam,
        endpoints: service.endpoints.length,
      },
      requestId: options.requestId,
    });
  });
  return { deleted: true };
}
