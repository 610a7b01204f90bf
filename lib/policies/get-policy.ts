import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import {
  AUTHOR_SELECT,
  toPolicyView,
  toVersionSummary,
  toVersionView,
  type PolicyVersionSummary,
  type PolicyVersionView,
  type PolicyView,
} from "@/lib/policies/policy-views";

export async function getPolicyOrThrow(options: { actor: Actor; id: string }): Promise<PolicyView> {
  requirePermission(options.actor, "policy:read");
  const policy = await db.policy.findUnique({ where: { id: options.id } });
  if (!policy) throw notFound("Policy");
  const head = await db.policyVersion.findUniqueOrThrow({
    where: { policyId_number: { policyId: policy.id, number: policy.headNumber } },
    include: { author: AUTHOR_SELECT },
  });
  return toPolicyView(policy, head);
}

export async function listPolicyVersions(options: { actor: Actor; policyId: string }): Promise<PolicyVersionSummary[]> {
  requirePermission(options.actor, "policy:read");
  const exists = await db.policy.findUnique({ where: { id: options.policyId }, select: { id: true } });
  if (!exists) throw notFound("Policy");
  const versions = await db.policyVersion.findMany({
    where: { policyId: options.policyId },
    orderBy: { number: "desc" },
    select: { id: true, number: true, sha256: true, message: true, createdAt: true, author: AUTHOR_SELECT },
  });
  return versions.map(toVersionSummary);
}

export async function getPolicyVersionOrThrow(options: {
  actor: Actor;
  policyId: string;
  number: number;
}): Promise<PolicyVersionView> {
  requirePermission(options.actor, "policy:read");
  const version = await db.policyVersion.findUnique({
    where: { policyId_number: { policyId: options.policyId, number: options.number } },
    include: { author: AUTHOR_SELECT },
  });
  if (!version) throw notFound("Policy version");
  return toVersionView(version);
}
