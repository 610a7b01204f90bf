import { db, type Tx } from "@/lib/db";
import { AppError, notFound } from "@/lib/http/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { isUnderRoots, overlappingRoots, packageDataPath } from "@/lib/bundles/roots";
import type { TCreateBundleRequest, TUpdateBundleRequest } from "@/lib/bundles/schemas";

// Serialises bundle writes so that two concurrent saves cannot both pass the overlap check.
const BUNDLE_ROOTS_LOCK = 7_240_020;

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

export async function createBundle(options: { actor: Actor; input: TCreateBundleRequest; requestId?: string }): Promise<BundleSummary> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:manage");
  const id = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BUNDLE_ROOTS_LOCK})`;
    if (await tx.bundle.findUnique({ where: { name: input.name }, select: { id: true } })) {
      throw new AppError("conflict", `A bundle named ${input.name} already exists`);
    }
    await assertRootsFree(tx, input.roots, null);
    await assertPoliciesFit(tx, input.policyIds, input.roots, null);
    const bundle = await tx.bundle.create({
      data: { name: input.name, description: input.description, roots: input.roots, createdById: actor.userId, policies: { create: input.policyIds.map((policyId) => ({ policyId })) } },
    });
    await recordAuditEvent(tx, {
      actor, action: "bundle.create", target: { type: "bundle", id: bundle.id },
      after: { name: bundle.name, roots: bundle.roots, policyIds: input.policyIds, description: bundle.description }, requestId: options.requestId,
    });
    return bundle.id;
  });
  return (await summaries({ id }))[0]!;
}

export async function updateBundle(options: { actor: Actor; name: string; input: TUpdateBundleRequest; requestId?: string }): Promise<BundleSummary> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:manage");
  const id = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BUNDLE_ROOTS_LOCK})`;
    const before = await tx.bundle.findUnique({ where: { name: options.name }, include: { policies: { select: { policyId: true } } } });
    if (!before) throw notFound("Bundle");
    const roots = input.roots ?? before.roots;
    const policyIds = input.policyIds ?? before.policies.map((p) => p.policyId);
    if (input.roots) await assertRootsFree(tx, roots, before.id);
    await assertPoliciesFit(tx, policyIds, roots, before.id);
    if (input.policyIds) {
      await tx.bundlePolicy.deleteMany({ where: { bundleId: before.id, policyId: { notIn: policyIds } } });
      const kept = new Set(before.policies.map((p) => p.policyId));
      await tx.bundlePolicy.createMany({ data: policyIds.filter((p) => !kept.has(p)).map((policyId) => ({ bundleId: before.id, policyId })) });
    }
    const after = await tx.bundle.update({ where: { id: before.id }, data: { roots, ...(input.description !== undefined ? { description: input.description } : {}) } });
    await recordAuditEvent(tx, {
      actor, action: "bundle.update", target: { type: "bundle", id: before.id },
      before: { roots: before.roots, policyIds: before.policies.map((p) => p.policyId), description: before.description },
      after: { roots: after.roots, policyIds, description: after.description }, requestId: options.requestId,
    });
    return before.id;
  });
  return (await summaries({ id }))[0]!;
}

export async function listBundles(options: { actor: Actor }): Promise<BundleSummary[]> {
  requirePermission(options.actor, "bundle:read");
  return summaries({});
}

export async function getBundleOrThrow(options: { actor: Actor; name: string }): Promise<BundleSummary> {
  requirePermission(options.actor, "bundle:read");
  const found = await summaries({ name: options.name });
  if (!found[0]) throw notFound("Bundle");
  return found[0];
}

async function summaries(where: { id?: string; name?: string }): Promise<BundleSummary[]> {
  const bundles = await db.bundle.findMany({
    where,
    orderBy: { name: "asc" },
    include: { policies: { include: { policy: { select: { id: true, name: true, packagePath: true } } }, orderBy: { policy: { packagePath: "asc" } } } },
  });
  const latest = bundles.length === 0 ? [] : await db.bundleRevision.findMany({
    where: { bundleId: { in: bundles.map((b) => b.id) } },
    distinct: ["bundleId"],
    orderBy: [{ bundleId: "asc" }, { number: "desc" }],
    select: { bundleId: true, number: true, revision: true, publishedAt: true, size: true, etag: true },
  });
  const byBundle = new Map(latest.map((r) => [r.bundleId, r]));
  return bundles.map((b) => {
    const current = byBundle.get(b.id);
    return {
      id: b.id, name: b.name, description: b.description, roots: b.roots,
      policies: b.policies.map((p) => p.policy),
      current: current ? { number: current.number, revision: current.revision, publishedAt: current.publishedAt.toISOString(), size: current.size, etag: current.etag } : null,
      createdAt: b.createdAt.toISOString(), updatedAt: b.updatedAt.toISOString(),
    };
  });
}

async function assertRootsFree(tx: Tx, roots: string[], exceptBundleId: string | null): Promise<void> {
  const within = overlappingRoots(roots);
  if (within.length > 0) throw rootsError(`Roots ${within[0]![0]} and ${within[0]![1]} overlap`);
  const others = await tx.bundle.findMany({ where: exceptBundleId ? { id: { not: exceptBundleId } } : {}, select: { name: true, roots: true } });
  for (const other of others) {
    const clash = overlappingRoots(roots, other.roots);
    if (clash.length > 0) throw rootsError(`Root ${clash[0]![0]} overlaps root ${clash[0]![1]} of bundle ${other.name}; OPA refuses to activate bundles whose roots overlap`);
  }
}

async function assertPoliciesFit(tx: Tx, policyIds: string[], roots: string[], bundleId: string | null): Promise<void> {
  if (policyIds.length === 0) return;
  const policies = await tx.policy.findMany({ where: { id: { in: policyIds } }, include: { bundleMembership: { include: { bundle: { select: { name: true } } } } } });
  const missing = policyIds.filter((id) => !policies.some((p) => p.id === id));
  if (missing.length > 0) throw new AppError("unprocessable", `No policy with id ${missing[0]}`, { fieldErrors: [{ path: "body.policyIds", message: "unknown policy" }] });
  for (const p of policies) {
    if (!isUnderRoots(packageDataPath(p.packagePath), roots)) {
      throw new AppError("unprocessable", `Package ${p.packagePath} is not under the bundle's roots (${roots.join(", ")})`, { fieldErrors: [{ path: "body.policyIds", message: `${p.packagePath} is outside the roots` }] });
    }
    if (p.bundleMembership && p.bundleMembership.bundleId !== bundleId) {
      throw new AppError("conflict", `Policy ${p.packagePath} already ships in bundle ${p.bundleMembership.bundle.name}`);
    }
  }
}

function rootsError(message: string): AppError {
  return new AppError("unprocessable", message, { fieldErrors: [{ path: "body.roots", message }] });
}
