import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { ZCreateEndpointRequest, type TCreateEndpointRequest } from "@/lib/allowlists/schemas";
import { parseInput } from "@/lib/allowlists/create-service";

export async function addEndpoint(options: {
  actor: Actor;
  serviceName: string;
  input: TCreateEndpointRequest;
  requestId?: string;
}) {
  const { actor, serviceName } = options;
  requirePermission(actor, "allowlist:write");
  const input = parseInput(ZCreateEndpointRequest, options.input);
  return db.$transaction(async (tx) => {
    const service = await tx.service.findUnique({ where: { name: serviceName }, select: { id: true } });
    if (!service) throw notFound("Service");
    const clash = await tx.serviceEndpoint.findUnique({
      where: { serviceId_method_pathPattern: { serviceId: service.id, method: input.method, pathPattern: input.path } },
      select: { id: true },
    });
    if (clash) throw new AppError("conflict", `${serviceName} already has the endpoint ${input.method} ${input.path}`);
    const endpoint = await tx.serviceEndpoint.create({
      data: { serviceId: service.id, method: input.method, pathPattern: input.path, description: input.description },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "service.endpoint.create",
      target: { type: "service", id: service.id },
      after: { endpointId: endpoint.id, method: endpoint.method, path: endpoint.pathPattern },
      requestId: options.requestId,
    });
    return { id: endpoint.id, method: endpoint.method, path: endpoint.pathPattern, description: endpoint.description };
  });
}
