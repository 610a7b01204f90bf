import { db } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor, type AuditActor } from "@/lib/auth/actor";
import { readFromTarget } from "@/lib/distribution/target-access";
import { withTargetLock } from "@/lib/distribution/target-lock";

export type CheckOutcome = {
  target: string;
  revision: string | null;
  outcome: "intact" | "tampered" | "missing" | "unreachable" | "busy" | "nothing-stored";
  detail: string | null;
};

/**
 * Fetches what each target serves agents and compares it with the revision Verdict signed and
 * stored there last: the object's (or layer blob's) SHA-256, and for a registry the manifest's
 * digest and the layer digest it names. A mismatch marks the revision "tampered" on that target
 * and is recorded in the audit trail; a missing object is marked failed so the retrier uploads it
 * again. A tampered copy is left alone as evidence until the next publish replaces it.
 */
async function checkOne(
  { id: targetId, name }: { id: string; name: string },
  actor: AuditActor,
  requestId: string | undefined,
): Promise<CheckOutcome> {
  const result = await withTargetLock(targetId, async (): Promise<CheckOutcome> => {
    const target = await db.distributionTarget.findUniqueOrThrow({ where: { id: targetId } });
    const upload = await db.distributionUpload.findFirst({
      where: { targetId, state: { in: ["stored", "tampered"] } },
      orderBy: { revision: { number: "desc" } },
      include: { revision: { select: { id: true, revision: true, sha256: true } } },
    });
    if (!upload) return { target: target.name, revision: null, outcome: "nothing-stored", detail: null };
    const key = { targetId_revisionId: { targetId, revisionId: upload.revisionId } };
    const revision = upload.revision.revision;
    let found: Awaited<ReturnType<typeof readFromTarget>>;
    try {
      found = await readFromTarget(target);
    } catch (error) {
      return { target: target.name, revision, outcome: "unreachable", detail: (error as Error).message };
    }
    if (!found) {
      await db.distributionUpload.update({
        where: key,
        data: { state: "failed", error: "missing: the target no longer holds it", nextAttemptAt: new Date() },
      });
      return { target: target.name, revision, outcome: "missing", detail: null };
    }
    const problems: string[] = [];
    if (found.sha256 !== upload.revision.sha256)
      problems.push(`content sha256 ${found.sha256}, signed ${upload.revision.sha256}`);
    if (found.layerSha256 !== null && found.layerSha256 !== upload.revision.sha256)
      problems.push(`manifest names layer sha256:${found.layerSha256}`);
    if (upload.manifestDigest && found.manifestDigest !== upload.manifestDigest)
      problems.push(`manifest ${found.manifestDigest}, pushed ${upload.manifestDigest}`);
    if (problems.length === 0) {
      await db.distributionUpload.update({ where: key, data: { state: "stored", error: null, checkedAt: new Date() } });
      return { target: target.name, revision, outcome: "intact", detail: null };
    }
    const detail = `digest mismatch: ${problems.join("; ")}`;
    const newlyTampered = upload.state !== "tampered";
    await db.$transaction(async (tx) => {
      await tx.distributionUpload.update({
        where: key,
        data: { state: "tampered", error: detail, checkedAt: new Date() },
      });
      if (newlyTampered)
        await recordAuditEvent(tx, {
          actor,
          action: "distribution_target.tampered",
          target: { type: "distribution_target", id: target.id },
          before: { revision, sha256: upload.revision.sha256, manifestDigest: upload.manifestDigest },
          after: { sha256: found.sha256, manifestDigest: found.manifestDigest, detail },
          requestId,
        });
    });
    logger.warn(
      { target: target.name, revision, detail },
      "a distribution target serves something Verdict did not sign",
    );
    return { target: target.name, revision, outcome: "tampered", detail };
  });
  return result ?? { target: name, revision: null, outcome: "busy", detail: "an upload is in progress" };
}

/** Re-checks every target of one bundle, on demand. */
export async function checkBundleTargets(options: {
  actor: Actor;
  name: string;
  requestId?: string;
}): Promise<CheckOutcome[]> {
  requirePermission(options.actor, "bundle:publish");
  const bundle = await db.bundle.findUnique({ where: { name: options.name }, select: { id: true } });
  if (!bundle) throw notFound("Bundle");
  const targets = await db.distributionTarget.findMany({ where: { bundleId: bundle.id }, orderBy: { name: "asc" } });
  const outcomes: CheckOutcome[] = [];
  for (const t of targets) outcomes.push(await checkOne(t, options.actor, options.requestId));
  return outcomes;
}

/** The periodic re-check of every target of every bundle (by the retrier's instance). */
export async function checkAllTargets(): Promise<CheckOutcome[]> {
  const targets = await db.distributionTarget.findMany({ select: { id: true, name: true } });
  const outcomes: CheckOutcome[] = [];
  for (const t of targets) outcomes.push(await checkOne(t, { type: "system", label: "distribution check" }, undefined));
  return outcomes;
}
