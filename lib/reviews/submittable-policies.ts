import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

export type SubmittablePolicy = {
  id: string;
  name: string;
  packagePath: string;
  head: { id: string; number: number; message: string; createdAt: string; author: { name: string } };
  bundle: string | null;
  /** The version the policy's bundle ships today, if any. */
  publishedVersion: number | null;
};

/** Policies with their newest version, where they ship and what ships today: the "new change request" picker. */
export async function listSubmittablePolicies(options: { actor: Actor }): Promise<SubmittablePolicy[]> {
  requirePermission(options.actor, "change:submit");
  const policies = await db.policy.findMany({
    orderBy: { packagePath: "asc" },
    take: 1000,
    select: {
      id: true,
      name: true,
      packagePath: true,
      headNumber: true,
      bundleMembership: { select: { bundleId: true, bundle: { select: { name: true } } } },
    },
  });
  const heads = await db.policyVersion.findMany({
    where: { OR: policies.map((p) => ({ policyId: p.id, number: p.headNumber })) },
    select: {
      id: true,
      policyId: true,
      number: true,
      message: true,
      createdAt: true,
      author: { select: { name: true } },
    },
  });
  const shipped = await db.bundleRevision.findMany({
    distinct: ["bundleId"],
    orderBy: [{ bundleId: "asc" }, { number: "desc" }],
    select: {
      bundleId: true,
      policyVersions: { select: { policyId: true, policyVersion: { select: { number: true } } } },
    },
  });
  const headBy = new Map(heads.map((h) => [h.policyId, h]));
  const publishedBy = new Map(
    shipped.flatMap((r) => r.policyVersions.map((p) => [p.policyId, p.policyVersion.number] as const)),
  );
  return policies.flatMap((p) => {
    const head = headBy.get(p.id);
    if (!head) return [];
    return [
      {
        id: p.id,
        name: p.name,
        packagePath: p.packagePath,
        head: {
          id: head.id,
          number: head.number,
          message: head.message,
          createdAt: head.createdAt.toISOString(),
          author: head.author,
        },
        bundle: p.bundleMembership?.bundle.name ?? null,
        publishedVersion: publishedBy.get(p.id) ?? null,
      },
    ];
  });
}
