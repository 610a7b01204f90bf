import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { TUpdatePolicyRequest } from "@/lib/policies/schemas";

/** Changes a policy's name, description or owner (its source changes only through versions). */
export async function updatePolicyMetadata(options: {
  actor: Actor;
  id: string;
  input: TUpdatePolicyRequest;
  requestId?: string;
}) {
  const { actor, id, input } = options;
  requirePermission(actor, "policy:write");
  return db.$transaction(async (tx) => {
    const before = await tx.policy.findUnique({
      where: { id },
      select: { name: true, description: true, owner: true },
    });
    if (!before) throw notFound("Policy");
    const after = await tx.policy.update({
      where: { id },
      data: input,
      select: { id: true, name: true, description: true, owner: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "policy.update",
      target: { type: "policy", id },
      before,
      after: { name: after.name, description: after.description, owner: after.owner },
      requestId: options.requestId,
    });
    return after;
  });
}
