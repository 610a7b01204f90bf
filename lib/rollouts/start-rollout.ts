import { db, type Tx } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { refreshServedRollout } from "@/lib/bundles/bundle-cache";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { latestRevision, lockBundle } from "@/lib/publishing/write-revision";
import { DEFAULT_THRESHOLDS } from "@/lib/rollouts/judge-rollout";
import { stageMembers } from "@/lib/rollouts/rollout-members";
import { announceRollout } from "@/lib/rollouts/rollout-transitions";
import { getRollout, type RolloutView } from "@/lib/rollouts/rollout-view";
import type { TStartRolloutRequest } from "@/lib/rollouts/schemas";

/**
 * Starts a staged rollout of a bundle: from an approved change request (published as the canary
 * in the same transaction that starts the rollout, so no agent outside the first stage is ever
 * served it) or from the bundle's newest revision. One rollout runs per bundle at a time.
 */
export async function startRollout(options: {
  actor: Actor;
  name: string;
  input: TStartRolloutRequest;
  requestId?: string;
}): Promise<RolloutView> {
  const { actor, input, name } = options;
  requirePermission(actor, "bundle:publish");
  const bundle = await db.bundle.findUnique({ where: { name }, select: { id: true, name: true } });
  if (!bundle) throw notFound("Bundle");
  let id: string | null = null;
  const create = async (tx: Tx, canary: { id: string; number: number }) => {
    await lockBundle(tx, bundle.id);
    const running = await tx.bundleRollout.findFirst({ where: { bundleId: bundle.id, state: "running" } });
    if (running)
      throw new AppError("conflict", `A rollout of ${bundle.name} is already running; promote or abort it first`);
    const baseline = await tx.bundleRevision.findFirst({
      where: {
        bundleId: bundle.id,
        number: input.baselineRevision === undefined ? { lt: canary.number } : input.baselineRevision,
      },
      orderBy: { number: "desc" },
      select: { id: true, number: true, revision: true },
    });
    if (!baseline)
      throw new AppError(
        "unprocessable",
        input.baselineRevision === undefined
          ? `${bundle.name} has no revision before r${canary.number} to keep as the baseline`
          : `Revision r${input.baselineRevision} of ${bundle.name} does not exist`,
      );
    if (baseline.number >= canary.number)
      throw new AppError("unprocessable", "The baseline must be an older revision than the canary");
    const thresholds = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
    const selector = input.selector ?? null;
    const members = await stageMembers(tx, { bundleName: bundle.name, selector, percent: input.stages[0]! });
    const row = await tx.bundleRollout.create({
      data: {
        bundleId: bundle.id,
        baselineRevisionId: baseline.id,
        canaryRevisionId: canary.id,
        selector: selector ?? undefined,
        stages: input.stages,
        minSoakSeconds: input.minSoakSeconds,
        thresholds,
        canaryCredentialIds: members,
        startedById: actor.userId,
      },
    });
    id = row.id;
    await recordAuditEvent(tx, {
      actor,
      action: "rollout.start",
      target: { type: "bundle_rollout", id: row.id },
      after: {
        bundle: bundle.name,
        baseline: baseline.revision,
        canary: `r${canary.number}`,
        changeRequest: input.changeRequest ?? null,
        selector,
        stages: input.stages,
        minSoakSeconds: input.minSoakSeconds,
        thresholds,
        canaryAgents: members.length,
      },
      requestId: options.requestId,
    });
    await announceRollout(tx, bundle.name);
  };

  if (input.changeRequest !== undefined) {
    await publishChangeRequest({
      actor,
      number: input.changeRequest,
      input: input.overrideReason ? { overrideReason: input.overrideReason } : {},
      requestId: options.requestId,
      alongside: async (tx, stored) => {
        const revision = stored.find((r) => r.bundle === bundle.name);
        if (!revision)
          throw new AppError("unprocessable", `Change request #${input.changeRequest} does not change ${bundle.name}`);
        await create(tx, revision);
      },
    });
  } else {
    await db.$transaction(async (tx) => {
      await lockBundle(tx, bundle.id);
      const newest = await latestRevision(tx, bundle.id);
      const canary = await tx.bundleRevision.findUnique({
        where: { bundleId_number: { bundleId: bundle.id, number: input.revision! } },
        select: { id: true, number: true },
      });
      if (!canary) throw notFound(`Revision r${input.revision} of bundle ${bundle.name}`);
      // The bundle endpoint serves a rollout only while its canary is the newest revision.
      if (newest?.id !== canary.id)
        throw new AppError(
          "conflict",
          `Only the newest revision (r${newest?.number}) can be rolled out; roll back first to stage an older one`,
        );
      await create(tx, canary);
    });
  }
  await refreshServedRollout(bundle.name);
  return getRollout({ actor, name: bundle.name, id: id! });
}
