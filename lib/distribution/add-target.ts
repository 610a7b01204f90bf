import { randomUUID } from "node:crypto";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { Prisma } from "@/lib/generated/prisma/client";
import type { TCreateTargetRequest } from "@/lib/distribution/schemas";
import { sealTargetCredentials } from "@/lib/distribution/target-access";
import { syncTarget } from "@/lib/distribution/sync-target";
import { listTargets, type TargetView } from "@/lib/distribution/list-targets";
import { bundleIdOrThrow } from "@/lib/distribution/target-bundle";

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
