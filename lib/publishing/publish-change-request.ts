import type { Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { changeRequestContentHash } from "@/lib/change-requests/content-hash";
import {
  contentOf,
  isAllowlistItem,
  isPolicyItem,
  loadItems,
  type PolicyVersionItem,
} from "@/lib/change-requests/change-request-items";
import { allowlistBundle } from "@/lib/allowlists/bundle-allowlists";
import { collectBundleData } from "@/lib/publishing/collect-bundle-data";
import {
  latestRevision,
  loadPlannedModules,
  lockBundle,
  type PlannedModule,
  type RevisionPlan,
  type StoredRevision,
} from "@/lib/publishing/write-revision";
import { runPublish, type PublishTimings } from "@/lib/publishing/publish-pipeline";
import type { TPublishRequest } from "@/lib/change-requests/schemas";
import { lockChangeRequest } from "@/lib/change-requests/lock-change-request";
import { testGateForItems } from "@/lib/change-requests/test-gate";
import { checkBundleReferences } from "@/lib/publishing/check-bundle-references";
import { applyApprovedChangeSets } from "@/lib/allowlists/apply-approved-change-sets";
import { redTeamGate } from "@/lib/red-team/red-team-runs";

/**
 * Publishes an approved change request: one new signed revision for every bundle that ships a
 * policy it changes. All or nothing — a failed build, opa check or gate leaves every bundle,
 * the change request and the audit trail as they were.
 */
export async function publishChangeRequest(options: {
  actor: Actor;
  number: number;
  input: TPublishRequest;
  requestId?: string;
  /**
   * Runs in the transaction that stores the revisions, after them (a staged rollout starts here,
   * so no agent is served the new revision before the rollout says which agents get it).
   */
  alongside?: (tx: Tx, stored: StoredRevision[]) => Promise<void>;
}): Promise<{ revisions: StoredRevision[]; timings: PublishTimings }> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:publish");
  if (input.overrideReason) requirePermission(actor, "publish:override");
  const { revisions, timings } = await runPublish({
    actor,
    requestId: options.requestId,
    prepare: async (tx) => {
      const cr = await lockChangeRequest(tx, options.number);
      if (cr.status === "published")
        throw new AppError("conflict", `Change request #${cr.number} is already published`);
      if (cr.status !== "approved")
        throw new AppError(
          "conflict",
          `Change request #${cr.number} is ${cr.status.replace("_", " ")}; it needs an approval first`,
        );
      const items = await loadItems(tx, cr.id);
      const contentHash = changeRequestContentHash(items.map(contentOf));
      const approval = await tx.changeRequestReview.findFirst({
        where: {
          changeRequestId: cr.id,
          verdict: "approve",
          voidedAt: null,
          contentHash,
          reviewerId: { not: cr.authorId },
        },
        orderBy: { createdAt: "desc" },
      });
      if (contentHash !== cr.contentHash || !approval)
        throw new AppError("conflict", "No approval matches the exact content of this change request");
      const gate = await testGateForItems(tx, items, contentHash);
      if (!gate.passed && !input.overrideReason) {
        throw new AppError(
          "unprocessable",
          gate.available
            ? "Tests must pass for every version before publishing"
            : "No test results are available for these versions; an admin may publish with a recorded reason",
          { extra: { tests: gate } },
        );
      }
      // A red-team run is optional; once one ran on this exact content, its holes block publishing too.
      const redTeam = await redTeamGate(tx, cr.id, contentHash);
      if (!redTeam.passed && !input.overrideReason)
        throw new AppError(
          "unprocessable",
          `The red-team run of this change request found ${redTeam.findings} hole${redTeam.findings === 1 ? "" : "s"}; fix the policy, or an admin may publish with a recorded reason`,
          { extra: { redTeam } },
        );
      const testOverride = gate.passed && redTeam.passed ? null : input.overrideReason!;
      // Approved allowlist changes are applied first, so the data collected below includes them.
      await applyApprovedChangeSets(tx, items.filter(isAllowlistItem), {
        actor,
        approvedById: approval.reviewerId,
        changeRequestNumber: cr.number,
        requestId: options.requestId,
      });
      const byBundle = await groupByBundle(tx, items.filter(isPolicyItem), items.some(isAllowlistItem));
      const approvedBy = await approverEmail(tx, approval.reviewerId);
      const plans: RevisionPlan[] = [];
      for (const [bundleId, bundleItems] of byBundle) {
        const bundle = await tx.bundle.findUniqueOrThrow({
          where: { id: bundleId },
          include: { policies: { select: { policyId: true } } },
        });
        await lockBundle(tx, bundle.id);
        const previous = await latestRevision(tx, bundle.id);
        const modules = await planModules(
          tx,
          bundle.policies.map((p) => p.policyId),
          bundleItems,
          previous?.policyVersions ?? [],
        );
        const ref = { id: bundle.id, name: bundle.name, roots: bundle.roots };
        plans.push({
          bundle: ref,
          number: (previous?.number ?? 0) + 1,
          modules,
          data: await collectBundleData(tx, ref),
          provenance: {
            changeRequest: {
              id: cr.id,
              number: cr.number,
              title: cr.title,
              contentHash,
              ...(cr.origin ? { origin: cr.origin } : {}),
            },
            approvedBy,
            policies: provenanceOf(modules),
            ...(testOverride ? { testOverride } : {}),
          },
          changeRequestId: cr.id,
          rollbackOfId: null,
          reason: null,
          testOverride,
          approvedById: approval.reviewerId,
          auditAction: "bundle.publish",
        });
      }
      await checkBundleReferences(tx, plans);
      const finish = async (tx: Tx, stored: StoredRevision[]) => {
        await tx.changeRequest.update({ where: { id: cr.id }, data: { status: "published", publishedAt: new Date() } });
        await recordAuditEvent(tx, {
          actor,
          action: "change_request.publish",
          target: { type: "change_request", id: cr.id },
          before: { status: cr.status },
          after: {
            status: "published",
            contentHash,
            revisions: stored.map((r) => `${r.bundle}@${r.revision}`),
            testOverride,
            tests: gate.results,
          },
          requestId: options.requestId,
        });
        await options.alongside?.(tx, stored);
      };
      return { plans, finish };
    },
  });
  return { revisions, timings };
}

async function groupByBundle(
  tx: Tx,
  items: PolicyVersionItem[],
  changesAllowlists: boolean,
): Promise<Map<string, PolicyVersionItem[]>> {
  const memberships = await tx.bundlePolicy.findMany({ where: { policyId: { in: items.map((i) => i.policyId) } } });
  const bundleOf = new Map(memberships.map((m) => [m.policyId, m.bundleId]));
  const outside = items.filter((i) => !bundleOf.has(i.policyId));
  if (outside.length > 0) {
    throw new AppError(
      "unprocessable",
      `${outside.map((i) => i.packagePath).join(", ")} ${outside.length === 1 ? "is" : "are"} in no bundle; add ${outside.length === 1 ? "it" : "them"} to a bundle before publishing`,
    );
  }
  const groups = new Map<string, PolicyVersionItem[]>();
  for (const item of items) {
    const bundleId = bundleOf.get(item.policyId)!;
    groups.set(bundleId, [...(groups.get(bundleId) ?? []), item]);
  }
  if (changesAllowlists) {
    const carrier = await allowlistBundle(tx);
    if (!carrier)
      throw new AppError(
        "unprocessable",
        "No bundle carries the allowlists: create one whose roots include verdict/allowlists (e.g. the root verdict) and ship the verdict.authz policy in it",
      );
    if (!groups.has(carrier.id)) groups.set(carrier.id, []);
  }
  return groups;
}

/**
 * What the next revision ships: for every policy still in the bundle, the version this change
 * request brings, else the version the bundle already ships. A member that was never approved
 * and published is not shipped.
 */
async function planModules(
  tx: Tx,
  memberIds: string[],
  items: PolicyVersionItem[],
  previous: Array<{ policyId: string; policyVersionId: string }>,
): Promise<PlannedModule[]> {
  const chosen = new Map(previous.map((p) => [p.policyId, p.policyVersionId]));
  for (const item of items) chosen.set(item.policyId, item.versionId);
  const members = new Set(memberIds);
  const versionIds = [...chosen].filter(([policyId]) => members.has(policyId)).map(([, versionId]) => versionId);
  return loadPlannedModules(tx, versionIds);
}

export function provenanceOf(modules: PlannedModule[]) {
  return modules.map((m) => ({
    package: m.packagePath,
    policyId: m.policyId,
    versionId: m.versionId,
    version: m.versionNumber,
    sha256: m.sha256,
  }));
}

async function approverEmail(tx: Tx, userId: string): Promise<string> {
  return (await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } })).email;
}
