import type { Tx } from "@/lib/db";
import { latestRunsForVersions } from "@/lib/tests/get-test-runs";

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
 * The latest test run of each policy version's exact content (lib/tests). Fail-closed: a version
 * without a passing latest run blocks publishing unless an admin overrides with a recorded reason.
 */
export async function testGateFor(tx: Tx, versionIds: string[]): Promise<TestGate> {
  const runs = await latestRunsForVersions(tx, versionIds);
  const results = versionIds.map((policyVersionId): VersionTestStatus => {
    const run = runs.get(policyVersionId);
    if (!run) return { policyVersionId, status: "missing", runId: null, total: null, passed: null, failed: null, ranAt: null };
    return { policyVersionId, status: run.status, runId: run.id, total: run.summary.total, passed: run.summary.passed, failed: run.summary.failed, ranAt: run.createdAt };
  });
  return { available: true, passed: results.length > 0 && results.every((r) => r.status === "passed"), results };
}
