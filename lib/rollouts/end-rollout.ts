import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { refreshServedRollout } from "@/lib/bundles/bundle-cache";
import { abortInTransaction, lockRollout, promoteInTransaction } from "@/lib/rollouts/rollout-transitions";
import { getRollout, type RolloutView } from "@/lib/rollouts/rollout-view";
import type { TEndRolloutRequest } from "@/lib/rollouts/schemas";

type EndOptions = { actor: Actor; name: string; id: string; input: TEndRolloutRequest; requestId?: string };

async function endRollout(options: EndOptions, how: "promote" | "abort"): Promise<RolloutView> {
  const { actor, name, id, input } = options;
  requirePermission(actor, "bundle:publish");
  await db.$transaction(async (tx) => {
    const r = await lockRollout(tx, id);
    if (!r || r.bundle.name !== name) throw notFound("Rollout");
    if (r.state !== "running") throw new AppError("conflict", `This rollout is already ${r.state}`);
    const step = { actor, reason: input.reason, requestId: options.requestId };
    if (how === "abort") await abortInTransaction(tx, r, step);
    else await promoteInTransaction(tx, r, step);
  });
  await refreshServedRollout(name);
  return getRollout({ actor, name, id });
}

/** Serves the canary to every agent at once, whatever stage the rollout is at. */
export function promoteRollout(options: EndOptions): Promise<RolloutView> {
  return endRollout(options, "promote");
}

/** Returns every agent to the baseline and raises a rollout_aborted alert. */
export function abortRollout(options: EndOptions): Promise<RolloutView> {
  return endRollout(options, "abort");
}
