import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { bundleIdOrThrow } from "@/lib/distribution/target-bundle";

/** Verdict stops uploading there; what the target holds stays (agents may still read it). */
export async function removeTarget(options: {
  actor: Actor;
  name: string;
  target: string;
  requestId?: string;
}): Promise<void> {
  requirePermission(options.actor, "bundle:manage");
  const bundleId = await bundleIdOrThrow(options.name);
  await db.$transaction(async (tx) => {
    const target = await tx.distributionTarget.findUnique({
      where: { bundleId_name: { bundleId, name: options.target } },
    });
    if (!target) throw notFound("Distribution target");
    await tx.distributionTarget.delete({ where: { id: target.id } });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "distribution_target.delete",
      target: { type: "distribution_target", id: target.id },
      before: {
        bundle: options.name,
        name: target.name,
        kind: target.kind,
        url: target.url,
        location: target.location,
        reference: target.reference,
      },
      requestId: options.requestId,
    });
  });
}
