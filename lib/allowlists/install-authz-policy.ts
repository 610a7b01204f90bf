import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { authzPolicyCases, authzPolicySource, authzPolicyTestSource } from "@/lib/allowlists/authz-policy";
import { AUTHZ_PACKAGE } from "@/lib/allowlists/opa-data";

/**
 * Adds the shipped authorization policy (lib/allowlists/rego/authz.rego) as an ordinary Verdict
 * policy, package verdict.authz: versioned, reviewed and published like any other, in the bundle
 * whose roots cover verdict/ (which then also carries the allowlists as data).
 */
export async function installAuthzPolicy(options: {
  actor: Actor;
  requestId?: string;
}): Promise<{ id: string; versionId: string; created: boolean }> {
  requirePermission(options.actor, "policy:write");
  const existing = await db.policy.findUnique({
    where: { packagePath: AUTHZ_PACKAGE },
    select: { id: true, headNumber: true },
  });
  if (existing) {
    const head = await db.policyVersion.findUniqueOrThrow({
      where: { policyId_number: { policyId: existing.id, number: existing.headNumber } },
      select: { id: true },
    });
    return { id: existing.id, versionId: head.id, created: false };
  }
  const policy = await createPolicy({
    actor: options.actor,
    requestId: options.requestId,
    input: {
      name: "Caller allowlists",
      packagePath: AUTHZ_PACKAGE,
      owner: "verdict",
      message: "Shipped with Verdict",
      description:
        "Decides service-to-service calls from the caller allowlists (data.verdict.allowlists). Deny by default. See docs/allowlists.md.",
      source: authzPolicySource(),
      testSource: authzPolicyTestSource(),
      testCases: authzPolicyCases(),
    },
  });
  return { id: policy.id, versionId: policy.head.id, created: true };
}
