import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { z } from "zod";
import { ZCreateServiceRequest, type TCreateServiceRequest } from "@/lib/allowlists/schemas";

export async function createService(options: { actor: Actor; input: TCreateServiceRequest; requestId?: string }) {
  const { actor } = options;
  requirePermission(actor, "allowlist:write");
  // Normalised here too, so callers other than the route (seed, tests) cannot store raw input.
  const input = parseInput(ZCreateServiceRequest, options.input);
  return db.$transaction(async (tx) => {
    const clash = await tx.service.findUnique({ where: { name: input.name }, select: { id: true } });
    if (clash)
      throw new AppError("conflict", `A service named ${input.name} already exists`, {
        fieldErrors: [{ path: "body.name", message: "is already taken" }],
      });
    const service = await tx.service.create({ data: input });
    await recordAuditEvent(tx, {
      actor,
      action: "service.create",
      target: { type: "service", id: service.id },
      after: input,
      requestId: options.requestId,
    });
    return service;
  });
}

export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError("validation_failed", "The body is invalid", {
    fieldErrors: result.error.issues.map((issue) => ({
      path: ["body", ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  });
}
