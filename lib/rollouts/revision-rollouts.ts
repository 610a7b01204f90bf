import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

export type RevisionRolloutStep = { at: string; action: string; actor: string; reason: string | null };
export type RevisionRollout = {
  id: string;
  role: "canary" | "baseline";
  state: string;
  canary: string;
  baseline: string;
  steps: RevisionRolloutStep[];
};

const SHOWN = 20;

/**
 * The rollouts a revision took part in, as canary or baseline, newest first, each with its steps
 * (start, advance, members, promote, abort, supersede) as the audit trail recorded them: the
 * rollout part of the revision's lineage.
 */
export async function revisionRollouts(options: {
  actor: Actor;
  bundle: string;
  number: number;
}): Promise<RevisionRollout[]> {
  requirePermission(options.actor, "bundle:read");
  const revision = await db.bundleRevision.findFirst({
    where: { bundle: { name: options.bundle }, number: options.number },
    select: { id: true },
  });
  if (!revision) return [];
  const rollouts = await db.bundleRollout.findMany({
    where: { OR: [{ canaryRevisionId: revision.id }, { baselineRevisionId: revision.id }] },
    orderBy: { createdAt: "desc" },
    take: SHOWN,
    select: {
      id: true,
      state: true,
      canaryRevisionId: true,
      canaryRevision: { select: { revision: true } },
      baselineRevision: { select: { revision: true } },
    },
  });
  if (rollouts.length === 0) return [];
  const events = await db.auditEvent.findMany({
    where: { targetType: "bundle_rollout", targetId: { in: rollouts.map((r) => r.id) } },
    orderBy: { seq: "asc" },
    select: { targetId: true, occurredAt: true, action: true, actorLabel: true, after: true },
  });
  return rollouts.map((r) => ({
    id: r.id,
    role: r.canaryRevisionId === revision.id ? "canary" : "baseline",
    state: r.state,
    canary: r.canaryRevision.revision,
    baseline: r.baselineRevision.revision,
    steps: events
      .filter((e) => e.targetId === r.id)
      .map((e) => {
        const reason = (e.after as { reason?: unknown } | null)?.reason;
        return {
          at: e.occurredAt.toISOString(),
          action: e.action.replace(/^rollout\./, ""),
          actor: e.actorLabel,
          reason: typeof reason === "string" ? reason : null,
        };
      }),
  }));
}
