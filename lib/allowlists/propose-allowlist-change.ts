import { createHash } from "node:crypto";
import { db, type Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { canonicalJson } from "@/lib/core/canonical-json";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { createChangeRequest, type RecertificationOrigin } from "@/lib/change-requests/submit-change-request";
import { planChanges, type ChangePlan, type EntrySpec, type RowError } from "@/lib/allowlists/change-plan";
import { collectErrors, loadState, type ChangeRequestInput } from "@/lib/allowlists/change-allowlists";
import type { AccessDiff } from "@/lib/allowlists/access-diff";

/**
 * What an allowlist change request item ships: explicit grants to add or update and grants to
 * remove ("replace" imports are turned into explicit removals when proposed), plus the diff the
 * author saw. Stored once, immutable; its hash is what a reviewer approves.
 */
export type ChangeSetPayload = {
  upsert: Array<Omit<EntrySpec, "expiresAt"> & { expiresAt: string | null }>;
  remove: Array<{ service: string; method: string; path: string; caller: string }>;
  proposedDiff: AccessDiff;
};

export type ProposalResult = {
  proposed: boolean;
  dryRun: boolean;
  errors: RowError[];
  diff: AccessDiff;
  planHash: string;
  changeRequest: { id: string; number: number } | null;
  changeSetId: string | null;
};

/**
 * The way people change allowlists: plan the change (errors with row numbers, access diff) and,
 * unless it is a dry run, submit it as a change request that someone else must approve before
 * publishing applies it.
 */
export async function proposeAllowlistChange(options: {
  actor: Actor;
  input: Omit<ChangeRequestInput, "createOnly"> & { createOnly?: boolean };
  title?: string;
  description?: string;
  /** Set when the change is submitted on someone's behalf (a recertification decision). */
  origin?: RecertificationOrigin;
  requestId?: string;
}): Promise<ProposalResult> {
  const { actor, input } = options;
  requirePermission(actor, "allowlist:write");
  if (!input.dryRun) requirePermission(actor, "change:submit");
  const plan = planChanges({
    ...(await loadState(db)),
    upserts: input.upserts,
    removals: input.removals,
    mode: input.mode,
  });
  const errors = collectErrors(plan, input);
  const base = { errors, diff: plan.diff, planHash: plan.planHash, changeRequest: null, changeSetId: null };
  if (input.dryRun) return { ...base, proposed: false, dryRun: true };
  if (errors.length > 0) {
    const rows = new Set(errors.map((e) => e.row)).size;
    throw new AppError(
      "unprocessable",
      `Nothing was proposed: ${rows === 1 ? "1 row has errors" : `${rows} rows have errors`}`,
      { extra: { rowErrors: errors, diff: plan.diff } },
    );
  }
  if (input.expectedPlanHash && input.expectedPlanHash !== plan.planHash) {
    throw new AppError("conflict", "The allowlists changed since the dry run; review the new diff and try again", {
      extra: { diff: plan.diff, planHash: plan.planHash },
    });
  }
  if (plan.diff.lines.length === 0)
    throw new AppError("unprocessable", "Nothing to change: the allowlists already say exactly this", {
      extra: { diff: plan.diff },
    });
  const payload = toPayload(plan);
  const changeSet = await db.$transaction(async (tx) => {
    const set = await tx.allowlistChangeSet.create({
      data: {
        payload: payload as object,
        sha256: payloadHash(payload),
        summary: plan.diff.summary.slice(0, 2000),
        createdById: actor.userId,
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "allowlist.propose",
      target: { type: "allowlist_change_set", id: set.id },
      after: {
        source: input.source,
        mode: input.mode,
        summary: plan.diff.summary,
        lines: plan.diff.lines,
        sha256: set.sha256,
      },
      requestId: options.requestId,
    });
    return set;
  });
  const title = options.title ?? `Allowlist: ${plan.diff.summary}`;
  const cr = await createChangeRequest({
    actor,
    requestId: options.requestId,
    origin: options.origin,
    input: {
      title: title.length > 200 ? `${title.slice(0, 197)}…` : title,
      description: options.description ?? "",
      items: [{ kind: "allowlist_change", allowlistChangeSetId: changeSet.id }],
    },
  });
  return { ...base, proposed: true, dryRun: false, changeRequest: cr, changeSetId: changeSet.id };
}

function toPayload(plan: ChangePlan): ChangeSetPayload {
  const upsert = [...plan.adds, ...plan.updates].map(({ spec }) => ({
    ...spec,
    expiresAt: spec.expiresAt?.toISOString() ?? null,
  }));
  const remove = plan.removes.map(({ entry }) => ({
    service: entry.service,
    method: entry.method,
    path: entry.path,
    caller: entry.caller,
  }));
  const order = (a: { service: string; path: string; method: string; caller: string }, b: typeof a) =>
    `${a.service} ${a.path} ${a.method} ${a.caller}`.localeCompare(`${b.service} ${b.path} ${b.method} ${b.caller}`);
  return { upsert: upsert.sort(order), remove: remove.sort(order), proposedDiff: plan.diff };
}

export function payloadHash(payload: ChangeSetPayload): string {
  return createHash("sha256").update("allowlist-change-v1\n").update(canonicalJson(payload)).digest("hex");
}

/** The change set re-planned against today's allowlists: what publishing it now would do. */
export async function planChangeSet(
  tx: Pick<Tx, "$queryRaw" | "service">,
  payload: ChangeSetPayload,
): Promise<ChangePlan> {
  return planChanges({
    ...(await loadState(tx)),
    upserts: payload.upsert.map((value, i) => ({ row: i + 1, value })),
    removals: payload.remove.map((value, i) => ({ row: payload.upsert.length + i + 1, value })),
    mode: "merge",
  });
}
