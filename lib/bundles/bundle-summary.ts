import { db } from "@/lib/core/db";

export type BundleSummary = {
  id: string;
  name: string;
  description: string;
  roots: string[];
  policies: Array<{ id: string; name: string; packagePath: string }>;
  current: { number: number; revision: string; publishedAt: string; size: number; etag: string } | null;
  createdAt: string;
  updatedAt: string;
};

export async function summaries(where: { id?: string; name?: string }): Promise<BundleSummary[]> {
  const bundles = await db.bundle.findMany({
    where,
    orderBy: { name: "asc" },
    include: {
      policies: {
        include: { policy: { select: { id: true, name: true, packagePath: true } } },
        orderBy: { policy: { packagePath: "asc" } },
      },
    },
  });
  const latest =
    bundles.length === 0
      ? []
      : await db.bundleRevision.findMany({
          where: { bundleId: { in: bundles.map((b) => b.id) } },
          distinct: ["bundleId"],
          orderBy: [{ bundleId: "asc" }, { number: "desc" }],
          select: { bundleId: true, number: true, revision: true, publishedAt: true, size: true, etag: true },
        });
  const byBundle = new Map(latest.map((r) => [r.bundleId, r]));
  return bundles.map((b) => {
    const current = byBundle.get(b.id);
    return {
      id: b.id,
      name: b.name,
      description: b.description,
      roots: b.roots,
      policies: b.policies.map((p) => p.policy),
      current: current
        ? {
            number: current.number,
            revision: current.revision,
            publishedAt: current.publishedAt.toISOString(),
            size: current.size,
            etag: current.etag,
          }
        : null,
      createdAt: b.createdAt.toISOString(),
      updatedAt: b.updatedAt.toISOString(),
    };
  });
}
