import type { Tx } from "@/lib/core/db";
import { toPlainJson } from "@/lib/core/canonical-json";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { AuditActor } from "@/lib/auth/actor";
import { notifyInTransaction } from "@/lib/core/pg-listener";
import { isUnderRoots } from "@/lib/bundles/roots";
import {
  buildSignedBundle,
  type BuiltBundle,
  type BundleDataDocument,
  type BundleSigner,
} from "@/lib/bundles/build-bundle";
import { announceStoredData } from "@/lib/publishing/collect-bundle-data";
import { checkBundleWithOpa } from "@/lib/publishing/check-bundle-with-opa";
import { policyFilePath } from "@/lib/rego/policy-module";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import type { RegoVersion } from "@/lib/rego/rego-version";

export type PlannedModule = {
  policyId: string;
  versionId: string;
  versionNumber: number;
  packagePath: string;
  sha256: string;
  source: string;
  regoVersion: RegoVersion;
};

/** The modules a revision ships for these policy versions, in package order. */
export async function loadPlannedModules(tx: Tx, versionIds: string[]): Promise<PlannedModule[]> {
  const versions = await tx.policyVersion.findMany({
    where: { id: { in: versionIds } },
    include: { policy: { select: { packagePath: true } } },
  });
  return versions
    .map((v) => ({
      policyId: v.policyId,
      versionId: v.id,
      versionNumber: v.number,
      packagePath: v.policy.packagePath,
      sha256: v.sha256,
      source: v.source,
      regoVersion: v.regoVersion,
    }))
    .sort((a, b) => a.packagePath.localeCompare(b.packagePath));
}

export type RevisionPlan = {
  bundle: { id: string; name: string; roots: string[] };
  number: number;
  modules: PlannedModule[];
  data: BundleDataDocument[];
  /** Provenance written into the manifest: who, why, which change request and versions. */
  provenance: Record<string, unknown>;
  changeRequestId: string | null;
  rollbackOfId: string | null;
  reason: string | null;
  testOverride: string | null;
  approvedById: string | null;
  auditAction: "bundle.publish" | "bundle.rollback" | "bundle.republish";
  /** For work the system does by itself (a scheduled republish): whose publish it renews. */
  publishedById?: string;
};

export type StoredRevision = {
  id: string;
  bundle: string;
  number: number;
  revision: string;
  sha256: string;
  etag: string;
  size: number;
};

/** Serialises revisions of one bundle, so numbers are dense and each builds on the latest. */
export async function lockBundle(tx: Tx, bundleId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.bundleRevision}, hashtext(${bundleId}))`;
}

export async function latestRevision(tx: Tx, bundleId: string) {
  return tx.bundleRevision.findFirst({
    where: { bundleId },
    orderBy: { number: "desc" },
    select: { id: true, number: true, revision: true, publishedById: true, policyVersions: true },
  });
}

export type Signer = BundleSigner & { id: string; publicKeyPem: string };

/** A revision built, signed and accepted by the pinned opa, not yet stored. */
export type BuiltRevision = { plan: RevisionPlan; built: BuiltBundle; builtAt: Date; signerId: string };

/**
 * Builds, signs and opa-checks a planned revision, outside any transaction: the slow part of a
 * publish (the opa check takes most of it) holds no lock. A failed build or check throws.
 */
export async function buildRevision(actor: AuditActor, plan: RevisionPlan, signer: Signer): Promise<BuiltRevision> {
  const revision = `r${plan.number}`;
  for (const doc of plan.data) {
    if (!isUnderRoots(doc.path, plan.bundle.roots))
      throw new AppError(
        "unprocessable",
        `Data at ${doc.path || "(root)"} is outside bundle ${plan.bundle.name}'s roots`,
      );
  }
  const modules = plan.modules.map((m) => ({
    path: policyFilePath(m.packagePath),
    source: m.source,
    regoVersion: m.regoVersion,
  }));
  const builtAt = new Date();
  const publishedBy = actor.type === "user" ? actor.email : `system:${actor.label}`;
  const metadata = {
    verdict: {
      bundle: plan.bundle.name,
      revision,
      publishedAt: builtAt.toISOString(),
      publishedBy,
      ...plan.provenance,
    },
  };
  const built = await buildSignedBundle({
    revision,
    roots: plan.bundle.roots,
    metadata,
    modules,
    data: plan.data,
    signer,
    builtAt,
  });
  const problems = await checkBundleWithOpa({
    bytes: built.bytes,
    kid: signer.kid,
    algorithm: signer.algorithm,
    publicKeyPem: signer.publicKeyPem,
    modules,
  });
  if (problems.length > 0) {
    throw new AppError("unprocessable", `Bundle ${plan.bundle.name} failed the opa check; nothing was published`, {
      extra: { bundle: plan.bundle.name, regoErrors: problems },
    });
  }
  return { plan, built, builtAt, signerId: signer.id };
}

/** Stores a built revision and announces it (NOTIFY at commit), inside the caller's transaction. */
export async function storeRevision(
  tx: Tx,
  actor: AuditActor,
  revision: BuiltRevision,
  requestId?: string,
): Promise<StoredRevision> {
  const { plan, built, builtAt } = revision;
  const publishedById = plan.publishedById ?? (actor.type === "user" ? actor.userId : null);
  if (!publishedById) throw new Error("a revision published by the system must name whose publish it renews");
  const stored = await tx.bundleRevision.create({
    data: {
      bundleId: plan.bundle.id,
      number: plan.number,
      revision: built.manifest.revision,
      sha256: built.sha256,
      etag: built.etag,
      size: built.bytes.length,
      bytes: new Uint8Array(built.bytes),
      manifest: toPlainJson(built.manifest) as object,
      files: built.files,
      signingKeyId: revision.signerId,
      signatureJws: built.signature.jws,
      changeRequestId: plan.changeRequestId,
      rollbackOfId: plan.rollbackOfId,
      reason: plan.reason,
      testOverride: plan.testOverride,
      approvedById: plan.approvedById,
      publishedById,
      publishedAt: builtAt,
      policyVersions: { create: plan.modules.map((m) => ({ policyId: m.policyId, policyVersionId: m.versionId })) },
    },
  });
  await recordAuditEvent(tx, {
    actor,
    action: plan.auditAction,
    target: { type: "bundle", id: plan.bundle.id },
    after: {
      bundle: plan.bundle.name,
      revision: stored.revision,
      sha256: built.sha256,
      signingKid: built.signature.kid,
      changeRequestId: plan.changeRequestId,
      rollbackOf: plan.provenance.rollbackOf ?? null,
      reason: plan.reason,
      testOverride: plan.testOverride,
      policies: plan.modules.map((m) => ({ package: m.packagePath, version: m.versionNumber, sha256: m.sha256 })),
    },
    requestId,
  });
  await announceStoredData(tx, { revisionId: stored.id, bundleId: plan.bundle.id, data: plan.data });
  await notifyInTransaction(tx, "verdict_bundle_revisions", `${plan.bundle.name}:${stored.id}`);
  return {
    id: stored.id,
    bundle: plan.bundle.name,
    number: stored.number,
    revision: stored.revision,
    sha256: built.sha256,
    etag: built.etag,
    size: stored.size,
  };
}
