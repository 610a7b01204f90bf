import { randomUUID } from "node:crypto";
import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { Prisma } from "@/lib/generated/prisma/client";
import type { DistributionState, DistributionTargetKind } from "@/lib/generated/prisma/enums";
import type { TCreateTargetRequest } from "@/lib/distribution/schemas";
import { sealTargetCredentials } from "@/lib/distribution/target-access";
import { syncTarget } from "@/lib/distribution/sync-target";

/** How many of the newest revisions a target's view lists the state of. */
const RECENT_REVISIONS = 10;

export type TargetUploadView = {
  revision: string;
  number: number;
  state: DistributionState;
  error: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  storedAt: string | null;
  checkedAt: string | null;
};

/** A target as the API shows it: where it is and how agents reach it, never its credentials. */
export type TargetView = {
  id: string;
  name: string;
  kind: DistributionTargetKind;
  url: string;
  /** The registry repository, or the bucket. */
  location: string;
  /** The tag, or the object key. */
  reference: string;
  region: string | null;
  auth: "none" | "basic" | "bearer" | "sigv4";
  createdAt: string;
  createdBy: { email: string; name: string };
  uploads: TargetUploadView[];
};

async function bundleIdOrThrow(name: string): Promise<string> {
  const bundle = await db.bundle.findUnique({ where: { name }, select: { id: true } });
  if (!bundle) throw notFound("Bundle");
  return bundle.id;
}

export async function listTargets(options: { actor: Actor; name: string }): Promise<TargetView[]> {
  requirePermission(options.actor, "bundle:read");
  const bundleId = await bundleIdOrThrow(options.name);
  const targets = await db.distributionTarget.findMany({
    where: { bundleId },
    orderBy: { name: "asc" },
    include: {
      createdBy: { select: { email: true, name: true } },
      uploads: {
        orderBy: { revision: { number: "desc" } },
        take: RECENT_REVISIONS,
        include: { revision: { select: { revision: true, number: true } } },
      },
    },
  });
  return targets.map((t) => ({
    id: t.id,
    name: t.name,
    kind: t.kind,
    url: t.url,
    location: t.location,
    reference: t.reference,
    region: t.region,
    auth: t.auth as TargetView["auth"],
    createdAt: t.createdAt.toISOString(),
    createdBy: t.createdBy,
    uploads: t.uploads.map((u) => ({
      revision: u.revision.revision,
      number: u.revision.number,
      state: u.state,
      error: u.error,
      attempts: u.attempts,
      nextAttemptAt: u.nextAttemptAt?.toISOString() ?? null,
      storedAt: u.storedAt?.toISOString() ?? null,
      checkedAt: u.checkedAt?.toISOString() ?? null,
    })),
  }));
}

/**
 * Adds a registry or bucket to a bundle. Credentials are sealed with the master key, bound to
 * the new target's id. The bundle's current revision (if any) is uploaded at once; whatever
 * happens is shown on the target, and a failure is retried.
 */
export async function addTarget(options: {
  actor: Actor;
  name: string;
  input: TCreateTargetRequest;
  requestId?: string;
}): Promise<TargetView> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:manage");
  const bundleId = await bundleIdOrThrow(options.name);
  const id = randomUUID();
  const where =
    input.kind === "oci"
      ? { location: input.repository, reference: input.tag, region: null }
      : { location: input.bucket, reference: input.key, region: input.region };
  const auth = input.kind === "oci" ? input.credentials.auth : "sigv4";
  const sealed =
    input.kind === "s3" || input.credentials.auth !== "none" ? sealTargetCredentials(id, input.credentials) : null;
  try {
    await db.$transaction(async (tx) => {
      await tx.distributionTarget.create({
        data: {
          id,
          bundleId,
          name: input.name,
          kind: input.kind,
          url: input.url,
          ...where,
          auth,
          credentialsSealed: sealed,
          createdById: actor.userId,
        },
      });
      await recordAuditEvent(tx, {
        actor,
        action: "distribution_target.create",
        target: { type: "distribution_target", id },
        after: { bundle: options.name, name: input.name, kind: input.kind, url: input.url, ...where, auth },
        requestId: options.requestId,
      });
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")
      throw new AppError("conflict", `This bundle already has a target named ${input.name}`, {
        fieldErrors: [{ path: "body.name", message: "already taken" }],
      });
    throw error;
  }
  await syncTarget(id);
  return (await listTargets({ actor, name: options.name })).find((t) => t.id === id)!;
}

/** Verdict stops uploading there; what the target holds stays (agents may still read it). */
export async function removeTarget(options: {
  actor: Actor;
  name: string;
  target: string;
  requestId?: string;
}): Promise<void> {
  requirePermission(options.actor, "bundle:manage");
  const bundleId = await bundleIdOrThrow(options.name);
  await db.$transaction(async (tx) => {
    const target = await tx.distributionTarget.findUnique({
      where: { bundleId_name: { bundleId, name: options.target } },
    });
    if (!target) throw notFound("Distribution target");
    await tx.distributionTarget.delete({ where: { id: target.id } });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "distribution_target.delete",
      target: { type: "distribution_target", id: target.id },
      before: {
        bundle: options.name,
        name: target.name,
        kind: target.kind,
        url: target.url,
        location: target.location,
        reference: target.reference,
      },
      requestId: options.requestId,
    });
  });
}

export type RevisionCopy = {
  target: string;
  kind: DistributionTargetKind;
  state: DistributionState | null;
  error: string | null;
};

/** One revision's state on each of its bundle's targets; null where it was never meant to go there. */
export async function revisionCopies(options: { actor: Actor; name: string; number: number }): Promise<RevisionCopy[]> {
  requirePermission(options.actor, "bundle:read");
  const bundleId = await bundleIdOrThrow(options.name);
  const targets = await db.distributionTarget.findMany({
    where: { bundleId },
    orderBy: { name: "asc" },
    select: { name: true, kind: true, uploads: { where: { revision: { number: options.number } } } },
  });
  return targets.map((t) => ({
    target: t.name,
    kind: t.kind,
    state: t.uploads[0]?.state ?? null,
    error: t.uploads[0]?.error ?? null,
  }));
}
