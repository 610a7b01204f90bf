import { db } from "@/lib/db";
import type { RegoModule } from "@/lib/opa/types";
import { policyFilePath } from "@/lib/policies/validate-policy-source";
import type { EvaluationContextRecord } from "@/lib/tests/types";

export type EvaluationContext = {
  modules: RegoModule[];
  data: Record<string, unknown> | null;
  record: EvaluationContextRecord;
};

const HEAD_VERSIONS_NOTE =
  "No bundle has been published yet, so the other policies are included at their current head versions and no bundle data is loaded.";

/**
 * What a policy sees in production besides itself: the other policies it is shipped with and
 * the bundle data. The one place that decides it, so every run says the same thing about how
 * its context was put together (stored with the run).
 *
 * Bundles (publish) are not built yet: until they are, the context is every other policy at its
 * head version and no data. Once published bundles exist this switches to the published
 * revision's policies and data.json.
 */
export async function assembleEvaluationContext(options: { policyId: string }): Promise<EvaluationContext> {
  const others = await db.policy.findMany({
    where: { id: { not: options.policyId }, headNumber: { gt: 0 } },
    select: { id: true, packagePath: true, headNumber: true },
    orderBy: { packagePath: "asc" },
  });
  const heads = others.length
    ? await db.policyVersion.findMany({
        where: { OR: others.map((p) => ({ policyId: p.id, number: p.headNumber })) },
        select: { policyId: true, number: true, sha256: true, source: true },
      })
    : [];
  const headByPolicy = new Map(heads.map((h) => [h.policyId, h]));
  const included = others.flatMap((p) => {
    const head = headByPolicy.get(p.id);
    return head ? [{ policy: p, head }] : [];
  });
  return {
    modules: included.map(({ policy, head }) => ({ path: policyFilePath(policy.packagePath), source: head.source })),
    data: null,
    record: {
      assembledFrom: "head-versions",
      note: HEAD_VERSIONS_NOTE,
      policies: included.map(({ policy, head }) => ({ policyId: policy.id, packagePath: policy.packagePath, version: head.number, sha256: head.sha256 })),
      data: { included: false, description: "No bundle data (nothing published yet)", bytes: 0 },
    },
  };
}
