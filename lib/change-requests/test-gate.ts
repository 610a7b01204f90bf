import type { Tx } from "@/lib/core/db";
import { latestRunsForVersions } from "@/lib/policy-tests/get-test-runs";
import { isPolicyItem, type ResolvedItem } from "@/lib/change-requests/change-request-items";

export type VersionTestStatus = {
  policyVersionId: string;
  status: "passed" | "failed" | "error" | "missing";
  runId: string | null;
  total: number | null;
  passed: number | null;
  failed: number | null;
  ranAt: string | null;
};

/** Whether every version a change request ships has a passing latest test run. */
export type TestGate = { available: boolean; passed: boolean; results: VersionTestStatus[] };

/**
 * The latest test run of each policy version's exact content (lib/policy-tests). Fail-closed: a version
 * without a passing latest run blocks publishing unless an admin overrides with a recorded reason.
 */
export async function testGateFor(tx: Tx, versionIds: string[]): Promise<TestGate> {
  const runs = await latestRunsForVersions(tx, versionIds);
  const results = versionIds.map((policyVersionId): VersionTestStatus => {
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
  return { available: true, passed: results.length > 0 && results.every((r) => r.status === "passed"), results };
}

/** Tests gate the policy versions a change request ships; an allowlist-only one has none to gate. */
export async function testGateForItems(tx: Tx, items: ResolvedItem[]): Promise<TestGate> {
  const versionIds = items.filter(isPolicyItem).map((i) => i.versionId);
  if (versionIds.length === 0) return { available: true, passed: true, results: [] };
  return testGateFor(tx, versionIds);
}
