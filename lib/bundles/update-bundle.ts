import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { TUpdateBundleRequest } from "@/lib/bundles/schemas";
import { type BundleSummary, summaries } from "@/lib/bundles/bundle-summary";
import { assertPoliciesFit, assertRootsFree, withBundleRootsLocked } from "@/lib/bundles/bundle-roots-check";

export async function updateBundle(options: {
  actor: Actor;
  name: string;
  input: TUpdateBundleRequest;
  requestId?: string;
}): Promise<BundleSummary> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:manage");
  const id = await withBundleRootsLocked(async (tx) => {
    const before = await tx.bundle.findUnique({
      where: { name: options.name },
      include: { policies: { select: { policyId: true } } },
    });
    if (!before) throw notFound("Bundle");
    const roots = input.roots ?? before.roots;
    const policyIds = input.policyIds ?? before.policies.map((p) => p.policyId);
    if (input.roots) await assertRootsFree(tx, roots, before.id);
    await assertPoliciesFit(tx, policyIds, roots, before.id);
    if (input.policyIds) {
      await tx.bundlePolicy.deleteMany({ where: { bundleId: before.id, policyId: { notIn: policyIds } } });
      const kept = new Set(before.policies.map((p) => p.policyId));
      await tx.bundlePolicy.createMany({
        data: policyIds.filter((p) => !kept.has(p)).map((policyId) => ({ bundleId: before.id, policyId })),
      });
    }
    const after = await tx.bundle.update({
      where: { id: before.id },
      data: { roots, ...(input.description !== undefined ? { description: input.description } : {}) },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "bundle.update",
      target: { type: "bundle", id: before.id },
      before: {
        roots: before.roots,
        policyIds: before.policies.map((p) => p.policyId),
        description: before.description,
      },
      after: { roots: after.roots, policyIds, description: after.description },
      requestId: options.requestId,
    });
    return before.id;
  });
  return (await summaries({ id }))[0]!;
}
