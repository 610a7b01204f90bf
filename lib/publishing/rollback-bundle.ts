import { AppError, notFound } from "@/lib/core/errors";
import { unpackTarGz } from "@/lib/core/tarball";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { MANIFEST_FILE, SIGNATURES_FILE, type BundleDataDocument } from "@/lib/bundles/build-bundle";
import type { TRollbackRequest } from "@/lib/bundles/schemas";
import { withCurrentData } from "@/lib/publishing/collect-bundle-data";
import { runPublish } from "@/lib/publishing/publish-pipeline";
import { provenanceOf } from "@/lib/publishing/publish-change-request";
import { latestRevision, loadPlannedModules, lockBundle, type StoredRevision } from "@/lib/publishing/write-revision";

/**
 * Republishes an earlier revision's exact policies and data as a new revision (history only
 * grows). It is signed by today's active key, goes through the same opa check, and records why.
 */
export async function rollbackBundle(options: {
  actor: Actor;
  name: string;
  input: TRollbackRequest;
  requestId?: string;
}): Promise<StoredRevision> {
  const { actor, input } = options;
  requirePermission(actor, "bundle:publish");
  const { revisions } = await runPublish({
    actor,
    requestId: options.requestId,
    prepare: async (tx) => {
      const bundle = await tx.bundle.findUnique({ where: { name: options.name } });
      if (!bundle) throw notFound("Bundle");
      await lockBundle(tx, bundle.id);
      const latest = await latestRevision(tx, bundle.id);
      const target = await tx.bundleRevision.findUnique({
        where: { bundleId_number: { bundleId: bundle.id, number: input.toRevision } },
        include: { policyVersions: true },
      });
      if (!target || !latest) throw notFound(`Revision r${input.toRevision} of bundle ${bundle.name}`);
      if (target.number === latest.number)
        throw new AppError("conflict", `r${target.number} is already the current revision`);
      const files = await unpackTarGz(Buffer.from(target.bytes));
      const unexpected = files.filter(
        (f) =>
          ![MANIFEST_FILE, SIGNATURES_FILE].includes(f.name) &&
          !f.name.endsWith(".rego") &&
          !f.name.endsWith("data.json"),
      );
      if (unexpected.length > 0)
        throw new Error(
          `revision ${target.id} holds files a rollback cannot reproduce: ${unexpected.map((f) => f.name).join(", ")}`,
        );
      const replayed: BundleDataDocument[] = files
        .filter((f) => f.name === "data.json" || f.name.endsWith("/data.json"))
        .map((f) => ({
          path: f.name === "data.json" ? "" : f.name.slice(0, -"/data.json".length),
          value: JSON.parse(f.content.toString("utf8")) as Record<string, unknown>,
        }));
      const ref = { id: bundle.id, name: bundle.name, roots: bundle.roots };
      // Rolling back policies must not bring back grants revoked since: allowlists ship as they are today.
      const data = await withCurrentData(tx, ref, replayed);
      const modules = await loadPlannedModules(
        tx,
        target.policyVersions.map((p) => p.policyVersionId),
      );
      return {
        plans: [
          {
            bundle: ref,
            number: latest.number + 1,
            modules,
            data,
            provenance: { rollbackOf: target.revision, reason: input.reason, policies: provenanceOf(modules) },
            changeRequestId: null,
            rollbackOfId: target.id,
            reason: input.reason,
            testOverride: null,
            approvedById: null,
            auditAction: "bundle.rollback",
          },
        ],
        finish: async () => null,
      };
    },
  });
  return revisions[0]!;
}
