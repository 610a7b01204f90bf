import { db, type Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { validatePolicySource } from "@/lib/policies/validate-policy-source";
import { referenceCandidates } from "@/lib/policy-tests/policy-references";
import { AUTHOR_SELECT, toPolicyView, type PolicyView } from "@/lib/policies/policy-views";
import type { TCreatePolicyRequest } from "@/lib/policies/schemas";
import { testsSha256, withCaseIds } from "@/lib/policy-tests/test-suite";
import { sha256Hex } from "@/lib/core/sha256";

export async function createPolicy(options: {
  actor: Actor;
  input: TCreatePolicyRequest;
  requestId?: string;
}): Promise<PolicyView> {
  const { actor, input } = options;
  requirePermission(actor, "policy:write");
  const regoVersion = input.regoVersion ?? "v1";
  await validatePolicySource(input.packagePath, input.source, regoVersion, await referenceCandidates());
  return db.$transaction((tx) => createPolicyIn(tx, options));
}

/**
 * The policy and its first version inside the caller's transaction, for a caller that writes
 * several policies at once (a git commit). The source must already have passed validatePolicySource.
 */
export async function createPolicyIn(
  tx: Tx,
  options: { actor: Actor; input: TCreatePolicyRequest; requestId?: string },
): Promise<PolicyView> {
  const { actor, input } = options;
  requirePermission(actor, "policy:write");
  const regoVersion = input.regoVersion ?? "v1";
  const clash = await tx.policy.findUnique({ where: { packagePath: input.packagePath }, select: { id: true } });
  if (clash)
    throw new AppError("conflict", `A policy for package ${input.packagePath} already exists`, {
      extra: { policyId: clash.id },
    });
  const policy = await tx.policy.create({
    data: {
      name: input.name,
      packagePath: input.packagePath,
      description: input.description,
      owner: input.owner,
      headNumber: 1,
      createdById: actor.userId,
    },
  });
  const suite = { testSource: input.testSource ?? "", cases: withCaseIds(input.testCases ?? []) };
  const version = await tx.policyVersion.create({
    data: {
      policyId: policy.id,
      number: 1,
      source: input.source,
      sha256: sha256Hex(input.source),
      message: input.message || "Created",
      authorId: actor.userId,
      testSource: suite.testSource,
      testCases: suite.cases,
      testsSha256: testsSha256(suite),
      regoVersion,
    },
    include: { author: AUTHOR_SELECT },
  });
  await recordAuditEvent(tx, {
    actor,
    action: "policy.create",
    target: { type: "policy", id: policy.id },
    after: {
      name: policy.name,
      packagePath: policy.packagePath,
      owner: policy.owner,
      version: 1,
      sha256: version.sha256,
      regoVersion: version.regoVersion,
    },
    requestId: options.requestId,
  });
  return toPolicyView(policy, version);
}
