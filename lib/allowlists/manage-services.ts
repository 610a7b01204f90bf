import { db } from "@/lib/db";
import { AppError, notFound } from "@/lib/http/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { z } from "zod";
import { ZCreateEndpointRequest, ZCreateServiceRequest, type TCreateEndpointRequest, type TCreateServiceRequest, type TUpdateServiceRequest } from "@/lib/allowlists/schemas";

// Services and endpoints describe what can be called; they grant nothing by themselves, so
// they change directly (audited). Grants change only through changeAllowlists.

export async function createService(options: { actor: Actor; input: TCreateServiceRequest; requestId?: string }) {
  const { actor } = options;
  requirePermission(actor, "allowlist:write");
  // Normalised here too, so callers other than the route (seed, tests) cannot store raw input.
  const input = parseInput(ZCreateServiceRequest, options.input);
  return db.$transaction(async (tx) => {
    const clash = await tx.service.findUnique({ where: { name: input.name }, select: { id: true } });
    if (clash) throw new AppError("conflict", `A service named ${input.name} already exists`, { fieldErrors: [{ path: "body.name", message: "is already taken" }] });
    const service = await tx.service.create({ data: input });
    await recordAuditEvent(tx, { actor, action: "service.create", target: { type: "service", id: service.id }, after: input, requestId: options.requestId });
    return service;
  });
}

export async function updateService(options: { actor: Actor; name: string; input: TUpdateServiceRequest; requestId?: string }) {
  const { actor, name, input } = options;
  requirePermission(actor, "allowlist:write");
  return db.$transaction(async (tx) => {
    const before = await tx.service.findUnique({ where: { name }, select: { id: true, ownerTeam: true, description: true } });
    if (!before) throw notFound("Service");
    const after = await tx.service.update({ where: { id: before.id }, data: input });
    await recordAuditEvent(tx, {
      actor, action: "service.update", target: { type: "service", id: before.id },
      before: { ownerTeam: before.ownerTeam, description: before.description }, after: { ownerTeam: after.ownerTeam, description: after.description },
      requestId: options.requestId,
    });
    return after;
  });
}

/** Deletes a service and its endpoints; refused while any caller is still granted access. */
export async function deleteService(options: { actor: Actor; name: string; requestId?: string }) {
  const { actor, name } = options;
  requirePermission(actor, "allowlist:write");
  await db.$transaction(async (tx) => {
    const service = await tx.service.findUnique({ where: { name }, include: { endpoints: { select: { id: true } } } });
    if (!service) throw notFound("Service");
    const grants = await tx.allowlistEntry.count({ where: { endpoint: { serviceId: service.id } } });
    if (grants > 0) throw new AppError("conflict", `${name} still has ${grants} grant${grants === 1 ? "" : "s"}; revoke them before deleting the service`);
    await tx.serviceEndpoint.deleteMany({ where: { serviceId: service.id } });
    await tx.service.delete({ where: { id: service.id } });
    await recordAuditEvent(tx, {
      actor, action: "service.delete", target: { type: "service", id: service.id },
      before: { name: service.name, trustDomain: service.trustDomain, ownerTeam: service.ownerTeam, endpoints: service.endpoints.length },
      requestId: options.requestId,
    });
  });
  return { deleted: true };
}

export async function addEndpoint(options: { actor: Actor; serviceName: string; input: TCreateEndpointRequest; requestId?: string }) {
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
    const endpoint = await tx.serviceEndpoint.create({ data: { serviceId: service.id, method: input.method, pathPattern: input.path, description: input.description } });
    await recordAuditEvent(tx, {
      actor, action: "service.endpoint.create", target: { type: "service", id: service.id },
      after: { endpointId: endpoint.id, method: endpoint.method, path: endpoint.pathPattern }, requestId: options.requestId,
    });
    return { id: endpoint.id, method: endpoint.method, path: endpoint.pathPattern, description: endpoint.description };
  });
}

export async function removeEndpoint(options: { actor: Actor; serviceName: string; endpointId: string; requestId?: string }) {
  const { actor, serviceName, endpointId } = options;
  requirePermission(actor, "allowlist:write");
  await db.$transaction(async (tx) => {
    const endpoint = await tx.serviceEndpoint.findFirst({ where: { id: endpointId, service: { name: serviceName } }, include: { _count: { select: { entries: true } } } });
    if (!endpoint) throw notFound("Endpoint");
    const grants = endpoint._count.entries;
    if (grants > 0) throw new AppError("conflict", `${endpoint.method} ${endpoint.pathPattern} still has ${grants} grant${grants === 1 ? "" : "s"}; revoke them first`);
    await tx.serviceEndpoint.delete({ where: { id: endpoint.id } });
    await recordAuditEvent(tx, {
      actor, action: "service.endpoint.delete", target: { type: "service", id: endpoint.serviceId },
      before: { endpointId: endpoint.id, method: endpoint.method, path: endpoint.pathPattern }, requestId: options.requestId,
    });
  });
  return { deleted: true };
}

function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError("validation_failed", "The body is invalid", {
    fieldErrors: result.error.issues.map((issue) => ({ path: ["body", ...issue.path.map(String)].join("."), message: issue.message })),
  });
}
