import type { Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { policyFilePath } from "@/lib/rego/policy-module";
import { resolveReferences } from "@/lib/rego/policy-references";
import type { RevisionPlan } from "@/lib/publishing/write-revision";

type Need = { bundle: string; package: string; usedBy: string; at: string[]; provided: boolean };

/**
 * Refuses revisions that would ship a policy without a package it references: a library policy
 * that is not in the same bundle (or not yet published into it), or a package no policy declares.
 * An agent loads each bundle on its own, so a library must travel with the policies that use it.
 */
export async function checkBundleReferences(tx: Pick<Tx, "policy">, plans: RevisionPlan[]): Promise<void> {
  const known = (await tx.policy.findMany({ select: { packagePath: true } })).map((p) => p.packagePath);
  const needs: Need[] = [];
  for (const plan of plans) {
    const shipped = new Set(plan.modules.map((m) => m.packagePath));
    for (const m of plan.modules) {
      const file = policyFilePath(m.packagePath);
      const refs = resolveReferences({ source: m.source, file, packagePath: m.packagePath, known });
      for (const pkg of refs.packages.filter((p) => !shipped.has(p)))
        needs.push({ bundle: plan.bundle.name, package: pkg, usedBy: m.packagePath, at: [file], provided: true });
      for (const miss of refs.missing)
        needs.push({
          bundle: plan.bundle.name,
          package: miss.package,
          usedBy: m.packagePath,
          at: miss.locations.map((l) => `${l.file}:${l.row}`),
          provided: false,
        });
    }
  }
  if (needs.length === 0) return;
  const message = needs
    .map((n) =>
      n.provided
        ? `bundle ${n.bundle} needs package ${n.package} (used by ${n.usedBy}) but does not ship it`
        : `bundle ${n.bundle} needs package ${n.package} (used at ${n.at.join(", ")}), which no policy declares`,
    )
    .join("; ");
  const hint = needs.some((n) => n.provided)
    ? " Ship each library in the same bundle (under its roots) and publish a version of it with this change or before."
    : "";
  throw new AppError("unprocessable", `Cannot publish: ${message}.${hint}`, { extra: { missingPackages: needs } });
}
