import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { TCreateBundleRequest } from "@/lib/bundles/schemas";
import { type BundleSummary, summaries } from "@/lib/bundles/bundle-summary";
import { assertPoliciesFit, assertRootsFree, withBundleRootsLocked } from "@/lib/bundles/bundle-roots-check";

export async function createBundle(options: {
  actor: Actor;
  input: TCreateBundleRequest;
  requestId?: string;
}): Promise<BundleSummary> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:manage");
  const id = await withBundleRootsLocked(async (tx) => {
    if (await tx.bundle.findUnique({ where: { name: input.name }, select: { id: true } })) {
      throw new AppError("conflict", `A bundle named ${input.name} already exists`);
    }
    await assertRootsFree(tx, input.roots, null);
    await assertPoliciesFit(tx, input.policyIds, input.roots, null);
    const bundle = await tx.bundle.create({
      data: {
        name: input.name,
        description: input.description,
        roots: input.roots,
        createdById: actor.userId,
        policies: { create: input.policyIds.map((policyId) => ({ policyId })) },
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "bundle.create",
      target: { type: "bundle", id: bundle.id },
      after: { name: bundle.name, roots: bundle.roots, policyIds: input.policyIds, description: bundle.description },
      requestId: options.requestId,
    });
    return bundle.id;
  });
  return (await summaries({ id }))[0]!;
}
