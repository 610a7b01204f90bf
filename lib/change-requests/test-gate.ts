import type { Tx } from "@/lib/core/db";
import { latestRunsForVersions } from "@/lib/policy-tests/get-test-runs";
import { isPolicyItem, type ResolvedItem } from "@/lib/change-requests/change-request-items";
import { changeRequestDependants } from "@/lib/change-requests/change-request-dependants";

export type VersionTestStatus = {
  policyVersionId: string;
  status: "passed" | "failed" | "error" | "missing";
  runId: string | null;
  total: number | null;
  passed: number | null;
  failed: number | null;
  ranAt: string | null;
};

/** A policy the change request does not change but that uses a policy it changes. */
export type DependantTestStatus = VersionTestStatus & {
  policyId: string;
  name: string;
  packagePath: string;
  version: number;
  /** The packages of this change request it uses, directly or through other policies. */
  uses: string[];
};

/**
 * Whether every version a change request ships has a passing latest test run, and every policy
 * that uses one of them (its dependants) a passing run with the change request's versions.
 */
export type TestGate = {
  available: boolean;
  passed: boolean;
  results: VersionTestStatus[];
  dependants: DependantTestStatus[];
};

/**
 * The latest test run of each policy version's exact content (lib/policy-tests). Fail-closed: a version
 * without a passing latest run blocks publishing unless an admin overrides with a recorded reason.
 */
export async function testGateFor(tx: Tx, versionIds: string[]): Promise<TestGate> {
  const results = await statusesOf(tx, versionIds, null);
  return {
    available: true,
    passed: results.length > 0 && results.every((r) => r.status === "passed"),
    results,
    dependants: [],
  };
}

async function statusesOf(tx: Tx, versionIds: string[], proposedHash: string | null): Promise<VersionTestStatus[]> {
  const runs = await latestRunsForVersions(tx, versionIds, proposedHash);
  return versionIds.map((policyVersionId): VersionTestStatus => {
    const run = runs.get(policyVersionId);
    if (!run)
      return { policyVersionId, status: "missing", runId: null, total: null, passed: null, failed: null, ranAt: null };
    return {
      policyVersionId,
      status: run.status,
      runId: run.id,
      total: run.summary.total,
      passed: run.summary.passed,
      failed: run.summary.failed,
      ranAt: run.createdAt,
    };
  });
}

/**
 * Tests gate the policy versions a change request ships and, run with those versions, the
 * policies that use them (lib/change-requests/change-request-dependants.ts); an allowlist-only
 * change request has none to gate.
 */
export async function testGateForItems(tx: Tx, items: ResolvedItem[], contentHash: string): Promise<TestGate> {
  const versionIds = items.filter(isPolicyItem).map((i) => i.versionId);
  if (versionIds.length === 0) return { available: true, passed: true, results: [], dependants: [] };
  const own = await testGateFor(tx, versionIds);
  const found = await changeRequestDependants(tx, items, contentHash);
  const statuses = await statusesOf(
    tx,
    found.dependants.map((d) => d.versionId),
    contentHash,
  );
  const dependants = found.dependants.map((d, k) => ({
    ...statuses[k]!,
    policyId: d.policyId,
    name: d.name,
    packagePath: d.packagePath,
    version: d.version,
    uses: d.uses,
  }));
  return { ...own, passed: own.passed && dependants.every((d) => d.status === "passed"), dependants };
}
