import { db, type Tx } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { changeRequestContentHash } from "@/lib/change-requests/content-hash";
import { contentOf, isPolicyItem, loadItems, type ResolvedItem } from "@/lib/change-requests/change-request-items";
import {
  dependantsOf,
  referenceCandidates,
  withProposed,
  type ProposedVersions,
  type ReferenceCandidate,
} from "@/lib/policy-tests/policy-references";
import { referenceClosure } from "@/lib/rego/policy-references";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { DEFAULT_CASE_TIMEOUT_MS } from "@/lib/policy-tests/schemas";
import type { TestRunView } from "@/lib/policy-tests/test-run-views";

export type ChangeRequestDependant = ReferenceCandidate & { uses: string[] };

/**
 * The policies that use a policy this change request changes (directly or through other
 * policies) and that it does not change itself, at the versions their bundles ship; references
 * are read with the change request's versions in place.
 */
export async function changeRequestDependants(
  tx: Tx,
  items: ResolvedItem[],
  contentHash: string,
  changeRequest = 0,
): Promise<{ proposed: ProposedVersions; dependants: ChangeRequestDependant[] }> {
  const policyItems = items.filter(isPolicyItem);
  const proposed: ProposedVersions = {
    changeRequest,
    contentHash,
    versions: policyItems.map((i) => ({
      policyId: i.policyId,
      packagePath: i.packagePath,
      versionId: i.versionId,
      version: i.versionNumber,
      sha256: i.sha256,
    })),
  };
  if (policyItems.length === 0) return { proposed, dependants: [] };
  const candidates = await withProposed(await referenceCandidates(tx), proposed, tx);
  const changed = new Set(policyItems.map((i) => i.packagePath));
  const dependants = dependantsOf([...changed], candidates).map((d) => ({
    ...d,
    uses: referenceClosure(
      d,
      candidates.filter((c) => c.packagePath !== d.packagePath),
    ).modules.flatMap((m) => (changed.has(m.packagePath) ? [m.packagePath] : [])),
  }));
  return { proposed, dependants };
}

/**
 * Runs the tests of every dependant of a change request with the change request's versions in
 * the context, and stores the runs: the evidence its test gate asks for (lib/change-requests/test-gate.ts).
 */
export async function runDependantTests(options: {
  actor: Actor;
  number: number;
  requestId?: string;
}): Promise<{ changeRequest: number; runs: Array<{ policyId: string; packagePath: string; run: TestRunView }> }> {
  requirePermission(options.actor, "test:run");
  const cr = await db.changeRequest.findUnique({
    where: { number: options.number },
    select: { id: true, number: true, status: true },
  });
  if (!cr) throw notFound("Change request");
  if (cr.status === "published" || cr.status === "closed")
    throw new AppError(
      "conflict",
      `Change request #${cr.number} is ${cr.status}; its dependants' tests no longer gate it`,
    );
  const { proposed, dependants } = await db.$transaction(async (tx) => {
    const items = await loadItems(tx, cr.id);
    return changeRequestDependants(tx, items, changeRequestContentHash(items.map(contentOf)), cr.number);
  });
  const runs = [];
  for (const d of dependants) {
    const run = await runPolicyTests({
      actor: options.actor,
      policyId: d.policyId,
      input: { version: d.version, timeoutMs: DEFAULT_CASE_TIMEOUT_MS },
      proposed,
      requestId: options.requestId,
    });
    runs.push({ policyId: d.policyId, packagePath: d.packagePath, run });
  }
  return { changeRequest: cr.number, runs };
}
