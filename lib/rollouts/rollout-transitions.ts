import type { Tx } from "@/lib/core/db";
import { notifyInTransaction } from "@/lib/core/pg-listener";
import type { AuditActor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { raiseAlert } from "@/lib/alerts/raise-alerts";
import { stageMembers } from "@/lib/rollouts/rollout-members";

export const ROLLOUT_ROW = {
  bundle: { select: { id: true, name: true } },
  baselineRevision: { select: { id: true, number: true, revision: true } },
  canaryRevision: { select: { id: true, number: true, revision: true } },
  startedBy: { select: { email: true } },
} as const;

export type LockedRollout = {
  id: string;
  state: "running" | "promoted" | "aborted";
  selector: unknown;
  stages: number[];
  stageIndex: number;
  stageStartedAt: Date;
  minSoakSeconds: number;
  thresholds: unknown;
  canaryCredentialIds: string[];
  bundle: { id: string; name: string };
  baselineRevision: { id: string; number: number; revision: string };
  canaryRevision: { id: string; number: number; revision: string };
};

/** The rollout row, locked for this transaction (one step at a time, whoever takes it). */
export async function lockRollout(tx: Tx, id: string): Promise<LockedRollout | null> {
  const locked = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id::text FROM bundle_rollouts WHERE id = ${id}::uuid FOR UPDATE`;
  if (locked.length === 0) return null;
  return tx.bundleRollout.findUnique({ where: { id }, include: ROLLOUT_ROW });
}

export function selectorOf(r: { selector: unknown }): Record<string, string> | null {
  return r.selector && typeof r.selector === "object" ? (r.selector as Record<string, string>) : null;
}

/** Tells every instance's bundle cache to load the rollout again (delivered at commit). */
export async function announceRollout(tx: Tx, bundle: string): Promise<void> {
  await notifyInTransaction(tx, "verdict_bundle_rollouts", bundle);
}

const target = (r: LockedRollout) => ({ type: "bundle_rollout", id: r.id });
const summary = (r: LockedRollout) => ({
  bundle: r.bundle.name,
  baseline: r.baselineRevision.revision,
  canary: r.canaryRevision.revision,
});

/** Every agent back on the baseline, the step audited and a rollout_aborted alert raised. */
export async function abortInTransaction(
  tx: Tx,
  r: LockedRollout,
  input: { actor: AuditActor; reason: string; evaluation?: unknown; requestId?: string; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  await tx.bundleRollout.update({
    where: { id: r.id },
    data: {
      state: "aborted",
      endedAt: now,
      endedReason: input.reason,
      ...(input.evaluation === undefined ? {} : { lastEvaluation: input.evaluation as object }),
    },
  });
  await recordAuditEvent(tx, {
    actor: input.actor,
    action: "rollout.abort",
    target: target(r),
    before: { state: r.state, stage: r.stages[r.stageIndex], canaryAgents: r.canaryCredentialIds.length },
    after: { ...summary(r), state: "aborted", reason: input.reason },
    requestId: input.requestId,
  });
  await raiseAlert(
    tx,
    {
      kind: "rollout_aborted",
      key: `${r.bundle.name}:${r.canaryRevision.revision}:${r.id}`,
      severity: "critical",
      summary: `Rollout of ${r.bundle.name} ${r.canaryRevision.revision} aborted; agents are back on ${r.baselineRevision.revision}: ${input.reason}`,
      details: { rolloutId: r.id, ...summary(r), reason: input.reason },
    },
    now,
  );
  await announceRollout(tx, r.bundle.name);
}

/** The canary for every agent (the bundle serves its newest revision again). */
export async function promoteInTransaction(
  tx: Tx,
  r: LockedRollout,
  input: { actor: AuditActor; reason: string; evaluation?: unknown; requestId?: string; now?: Date },
): Promise<void> {
  await tx.bundleRollout.update({
    where: { id: r.id },
    data: {
      state: "promoted",
      endedAt: input.now ?? new Date(),
      endedReason: input.reason,
      ...(input.evaluation === undefined ? {} : { lastEvaluation: input.evaluation as object }),
    },
  });
  await recordAuditEvent(tx, {
    actor: input.actor,
    action: "rollout.promote",
    target: target(r),
    before: { state: r.state, stage: r.stages[r.stageIndex] },
    after: { ...summary(r), state: "promoted", reason: input.reason },
    requestId: input.requestId,
  });
  await announceRollout(tx, r.bundle.name);
}

/** The next stage: its members from now, its soak from now. */
export async function advanceInTransaction(
  tx: Tx,
  r: LockedRollout,
  input: { actor: AuditActor; reason: string; evaluation?: unknown; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  const stageIndex = r.stageIndex + 1;
  const members = await stageMembers(
    tx,
    { bundleName: r.bundle.name, selector: selectorOf(r), percent: r.stages[stageIndex]! },
    now,
  );
  await tx.bundleRollout.update({
    where: { id: r.id },
    data: {
      stageIndex,
      stageStartedAt: now,
      canaryCredentialIds: members,
      ...(input.evaluation === undefined ? {} : { lastEvaluation: input.evaluation as object }),
    },
  });
  await recordAuditEvent(tx, {
    actor: input.actor,
    action: "rollout.advance",
    target: target(r),
    before: { stage: r.stages[r.stageIndex], canaryAgents: r.canaryCredentialIds.length },
    after: { ...summary(r), stage: r.stages[stageIndex], canaryAgents: members.length, reason: input.reason },
  });
  await announceRollout(tx, r.bundle.name);
}
