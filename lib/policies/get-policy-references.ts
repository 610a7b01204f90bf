import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { referenceCandidates, referenceLinks, type PolicyLink } from "@/lib/policy-tests/policy-references";
import type { MissingPackage } from "@/lib/rego/policy-references";

export type PolicyReferences = { dependencies: PolicyLink[]; dependants: PolicyLink[]; missing: MissingPackage[] };

/**
 * Which policies a policy's head version uses (transitively) and which policies use it, at the
 * versions test runs compile them with (lib/policy-tests/policy-references.ts).
 */
export async function getPolicyReferences(options: { actor: Actor; policyId: string }): Promise<PolicyReferences> {
  requirePermission(options.actor, "policy:read");
  const policy = await db.policy.findUnique({
    where: { id: options.policyId },
    select: { packagePath: true, headNumber: true },
  });
  if (!policy) throw notFound("Policy");
  const head = await db.policyVersion.findUniqueOrThrow({
    where: { policyId_number: { policyId: options.policyId, number: policy.headNumber } },
    select: { source: true },
  });
  return referenceLinks({ packagePath: policy.packagePath, source: head.source }, await referenceCandidates());
}
