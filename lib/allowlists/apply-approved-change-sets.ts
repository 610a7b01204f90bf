import type { Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Actor } from "@/lib/auth/actor";
import type { AllowlistChangeItem } from "@/lib/change-requests/change-request-items";
import { applyPlan, lockAllowlists } from "@/lib/allowlists/change-allowlists";
import { payloadHash, planChangeSet, type ChangeSetPayload } from "@/lib/allowlists/propose-allowlist-change";

/**
 * Applies approved allowlist changes inside the publish transaction. If the allowlists moved on
 * since the change was proposed so that it no longer applies cleanly, nothing is published.
 */
export async function applyApprovedChangeSets(
  tx: Tx,
  items: AllowlistChangeItem[],
  context: { actor: Actor; approvedById: string; changeRequestNumber: number; requestId?: string },
): Promise<void> {
  if (items.length === 0) return;
  await lockAllowlists(tx);
  for (const item of items) {
    const set = await tx.allowlistChangeSet.findUniqueOrThrow({ where: { id: item.changeSetId } });
    const payload = set.payload as unknown as ChangeSetPayload;
    if (payloadHash(payload) !== set.sha256) throw new Error(`allowlist change set ${set.id} does not match its hash`);
    const plan = await planChangeSet(tx, payload);
    if (plan.errors.length > 0) {
      throw new AppError(
        "conflict",
        "The allowlists changed since this change was proposed and it no longer applies cleanly; propose it again",
        {
          extra: { rowErrors: plan.errors, diff: plan.diff },
        },
      );
    }
    // The grant history trigger reads this to name the change set behind each grant version.
    await tx.$executeRaw`SELECT set_config('verdict.allowlist_change_set', ${set.id}, true)`;
    await applyPlan(
      tx,
      plan,
      { createdById: set.createdById, approvedById: context.approvedById },
      `allowlist-change-set:${set.id}`,
    );
    await recordAuditEvent(tx, {
      actor: context.actor,
      action: "allowlist.change",
      target: { type: "allowlist_change_set", id: set.id },
      after: {
        source: `change_request:#${context.changeRequestNumber}`,
        summary: plan.diff.summary,
        added: plan.diff.added,
        removed: plan.diff.removed,
        changed: plan.diff.changed,
        lines: plan.diff.lines,
      },
      requestId: context.requestId,
    });
  }
  await tx.$executeRaw`SELECT set_config('verdict.allowlist_change_set', '', true)`;
}
