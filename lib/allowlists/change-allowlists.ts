import { db, type Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { planChanges, type ChangePlan, type PlanInput, type RowError } from "@/lib/allowlists/change-plan";
import { loadCatalog, loadStoredEntries } from "@/lib/allowlists/load-allowlists";
import type { AccessDiff } from "@/lib/allowlists/access-diff";
import type { TEntryKeyInput, TEntrySpecInput } from "@/lib/allowlists/schemas";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { uuidFromName } from "@/lib/core/sha256";

// Serialises allowlist writers so that a plan is made and applied against one state.
const ALLOWLIST_LOCK = ADVISORY_LOCKS.allowlists;

export async function lockAllowlists(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ALLOWLIST_LOCK})`;
}
const APPLY_TIMEOUT_MS = 120_000;

export type ChangeRequestInput = {
  upserts: Array<{ row: number; value: TEntrySpecInput }>;
  removals: Array<{ row: number; value: TEntryKeyInput }>;
  mode: "merge" | "replace";
  dryRun: boolean;
  expectedPlanHash?: string;
  /** Errors found before planning (e.g. a CSV row with too many cells). */
  parseErrors?: RowError[];
  /** Where the change came from, for the audit trail: "api", "import:csv", "import:json", "console". */
  source: string;
  /** Refuse grants that already exist instead of updating them (single "grant access" requests). */
  createOnly?: boolean;
};

export type ChangeResult = {
  applied: boolean;
  dryRun: boolean;
  errors: RowError[];
  diff: AccessDiff;
  planHash: string;
  /** Ids of new entries, listed for small changes only (a single grant from the console). */
  createdEntryIds?: string[];
};

const LIST_CREATED_IDS_UP_TO = 100;

/**
 * Plans a change and, unless it is a dry run, applies it all-or-nothing: any row error means
 * nothing is written. Every applied change is one audit event carrying its access diff.
 * People's changes do not come through here directly: they are proposed as change requests
 * (propose-allowlist-change.ts) and applied when published. This applies directly for the
 * demo seed, tests and the publish step itself.
 */
export async function changeAllowlists(options: {
  actor: Actor;
  input: ChangeRequestInput;
  requestId?: string;
}): Promise<ChangeResult> {
  const { actor, input } = options;
  requirePermission(actor, "allowlist:write");
  if (input.dryRun) {
    const plan = planChanges({ ...(await loadState(db)), ...planArgs(input) });
    return result(plan, input, false);
  }
  return db.$transaction(
    async (tx) => {
      await lockAllowlists(tx);
      const plan = planChanges({ ...(await loadState(tx)), ...planArgs(input) });
      const outcome = result(plan, input, true);
      if (outcome.errors.length > 0) {
        throw new AppError("unprocessable", `Nothing was changed: ${describeErrorRows(outcome.errors)}`, {
          extra: { rowErrors: outcome.errors, diff: plan.diff },
        });
      }
      if (input.expectedPlanHash && input.expectedPlanHash !== plan.planHash) {
        throw new AppError("conflict", "The allowlists changed since the dry run; review the new diff and try again", {
          extra: { diff: plan.diff, planHash: plan.planHash },
        });
      }
      const created = await applyPlan(tx, plan, { createdById: actor.userId, approvedById: null });
      if (created.length <= LIST_CREATED_IDS_UP_TO) outcome.createdEntryIds = created;
      await recordAuditEvent(tx, {
        actor,
        action: "allowlist.change",
        target: { type: "allowlist", id: null },
        after: {
          source: input.source,
          mode: input.mode,
          summary: plan.diff.summary,
          added: plan.diff.added,
          removed: plan.diff.removed,
          changed: plan.diff.changed,
          lines: plan.diff.lines,
        },
        requestId: options.requestId,
      });
      return outcome;
    },
    { timeout: APPLY_TIMEOUT_MS, maxWait: 10_000 },
  );
}

export async function loadState(
  tx: Pick<Tx, "$queryRaw" | "service">,
): Promise<Pick<PlanInput, "catalog" | "existing" | "now">> {
  return { catalog: await loadCatalog(tx), existing: await loadStoredEntries(tx), now: new Date() };
}

function planArgs(input: ChangeRequestInput): Pick<PlanInput, "upserts" | "removals" | "mode"> {
  return { upserts: input.upserts, removals: input.removals, mode: input.mode };
}

function result(plan: ChangePlan, input: ChangeRequestInput, applied: boolean): ChangeResult {
  const errors = collectErrors(plan, input);
  return {
    applied: applied && errors.length === 0,
    dryRun: input.dryRun,
    errors,
    diff: plan.diff,
    planHash: plan.planHash,
  };
}

function describeErrorRows(errors: RowError[]): string {
  const rows = new Set(errors.map((e) => e.row)).size;
  return rows === 1 ? "1 row has errors" : `${rows} rows have errors`;
}

/**
 * Writes a plan with no errors; returns the ids of new grants. With `idsFrom`, new entries get ids derived from it and their position, so
 * applying the same approved change set twice (the publish pipeline plans, then stores) gives the
 * same grant ids, and the bundle built from the plan is the one stored.
 */
export async function applyPlan(
  tx: Tx,
  plan: ChangePlan,
  people: { createdById: string; approvedById: string | null },
  idsFrom?: string,
): Promise<string[]> {
  if (plan.removes.length > 0) {
    await tx.allowlistEntry.deleteMany({ where: { id: { in: plan.removes.map((r) => r.entry.id) } } });
  }
  for (const u of plan.updates) {
    await tx.allowlistEntry.update({
      where: { id: u.entry.id },
      data: {
        owner: u.spec.owner,
        reason: u.spec.reason,
        expiresAt: u.spec.expiresAt,
        crossTrustDomain: u.spec.crossTrustDomain,
        approvedById: people.approvedById,
      },
    });
  }
  if (plan.adds.length === 0) return [];
  const created = await tx.allowlistEntry.createManyAndReturn({
    data: plan.adds.map((a, index) => ({
      ...(idsFrom ? { id: uuidFromName(`${idsFrom}:${index}`) } : {}),
      endpointId: a.endpointId,
      callerId: a.spec.caller,
      owner: a.spec.owner,
      reason: a.spec.reason,
      expiresAt: a.spec.expiresAt,
      crossTrustDomain: a.spec.crossTrustDomain,
      createdById: people.createdById,
      approvedById: people.approvedById,
    })),
    select: { id: true },
  });
  return created.map((c) => c.id);
}

/** The rows a plan refuses: parse errors, plan errors and, when only creating, grants that exist already. */
export function collectErrors(plan: ChangePlan, input: { parseErrors?: RowError[]; createOnly?: boolean }): RowError[] {
  const errors = [...(input.parseErrors ?? []), ...plan.errors];
  if (input.createOnly) {
    for (const u of [...plan.updates, ...plan.unchanged]) {
      errors.push({
        row: u.row,
        field: null,
        code: "duplicate",
        message: `${u.entry.caller} may already call ${u.entry.service} ${u.entry.method} ${u.entry.path} (entry ${u.entry.id})`,
      });
    }
  }
  return errors.sort((a, b) => a.row - b.row);
}
