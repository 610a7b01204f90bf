import { db, type Tx } from "@/lib/core/db";
import type { EvaluationContext } from "@/lib/policy-tests/assemble-evaluation-context";
import { policyFilePath } from "@/lib/rego/policy-module";
import {
  referenceClosure,
  resolveReferences,
  type MissingPackage,
  type ReferenceModule,
} from "@/lib/rego/policy-references";

/** A policy at the version other policies are compiled and tested against. */
export type ReferenceCandidate = ReferenceModule & {
  policyId: string;
  name: string;
  versionId: string;
  version: number;
  sha256: string;
  testsSha256: string;
  published: boolean;
};

/** Versions a change request proposes, which replace the candidates of their policies. */
export type ProposedVersions = {
  changeRequest: number;
  contentHash: string;
  versions: Array<{ policyId: string; packagePath: string; versionId: string; version: number; sha256: string }>;
};

type Client = Pick<Tx, "$queryRaw">;

/**
 * Every policy at the version the test-run context holds (lib/policy-tests/assemble-evaluation-context.ts):
 * once anything is published, the version the latest revision of its bundle ships; before that,
 * and for a policy no bundle ships yet, its head version.
 */
export async function referenceCandidates(client: Client = db): Promise<ReferenceCandidate[]> {
  const rows = await client.$queryRaw<
    Array<{
      policy_id: string;
      name: string;
      package_path: string;
      version_id: string;
      number: number;
      sha256: string;
      tests_sha256: string;
      source: string;
      rego_version: "v0" | "v1";
      published: boolean;
    }>
  >`
    WITH latest AS (
      SELECT DISTINCT ON (bundle_id) id FROM bundle_revisions ORDER BY bundle_id, number DESC
    ), shipped AS (
      SELECT rp.policy_id, max(v.number) AS number
      FROM bundle_revision_policies rp
      JOIN latest l ON l.id = rp.revision_id
      JOIN policy_versions v ON v.id = rp.policy_version_id
      GROUP BY rp.policy_id
    )
    SELECT p.id::text AS policy_id, p.name, p.package_path, v.id::text AS version_id, v.number, v.sha256,
           v.tests_sha256, v.source, v.rego_version::text AS rego_version, (s.number IS NOT NULL) AS published
    FROM policies p
    LEFT JOIN shipped s ON s.policy_id = p.id
    JOIN policy_versions v ON v.policy_id = p.id AND v.number = COALESCE(s.number, p.head_number)
    WHERE p.head_number > 0
    ORDER BY p.package_path`;
  return rows.map((r) => ({
    policyId: r.policy_id,
    name: r.name,
    packagePath: r.package_path,
    path: policyFilePath(r.package_path),
    source: r.source,
    regoVersion: r.rego_version,
    versionId: r.version_id,
    version: r.number,
    sha256: r.sha256,
    testsSha256: r.tests_sha256,
    published: r.published,
  }));
}

/** Candidates with a change request's versions in place of the versions they replace. */
export async function withProposed(
  candidates: ReferenceCandidate[],
  proposed: ProposedVersions | undefined,
  client: Pick<Tx, "policyVersion"> = db,
): Promise<ReferenceCandidate[]> {
  if (!proposed || proposed.versions.length === 0) return candidates;
  const rows = await client.policyVersion.findMany({
    where: { id: { in: proposed.versions.map((v) => v.versionId) } },
    select: { id: true, source: true, regoVersion: true, testsSha256: true, policy: { select: { name: true } } },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const replaced = new Map(
    proposed.versions.map((v): [string, ReferenceCandidate] => {
      const row = byId.get(v.versionId)!;
      return [
        v.policyId,
        {
          policyId: v.policyId,
          name: row.policy.name,
          packagePath: v.packagePath,
          path: policyFilePath(v.packagePath),
          source: row.source,
          regoVersion: row.regoVersion,
          versionId: v.versionId,
          version: v.version,
          sha256: v.sha256,
          testsSha256: row.testsSha256,
          published: false,
        },
      ];
    }),
  );
  const out = candidates.map((c) => replaced.get(c.policyId) ?? c);
  for (const [policyId, c] of replaced) if (!candidates.some((x) => x.policyId === policyId)) out.push(c);
  return out;
}

/**
 * A test-run context completed with what the modules under test reference and the context lacks
 * (a library no bundle ships yet), transitively; a change request's proposed versions replace
 * the versions they change. The record says what was added.
 */
export async function withReferencedModules(
  context: EvaluationContext,
  roots: Array<{ packagePath: string; source: string }>,
  proposed?: ProposedVersions,
): Promise<EvaluationContext> {
  const candidates = await withProposed(await referenceCandidates(), proposed);
  const rootPackages = new Set(roots.map((r) => r.packagePath));
  const others = candidates.filter((c) => !rootPackages.has(c.packagePath));
  const byPath = new Map(context.modules.map((m) => [m.path, m]));
  const policies = new Map(context.record.policies.map((p) => [p.policyId, p]));
  const record = (c: ReferenceCandidate) =>
    policies.set(c.policyId, {
      policyId: c.policyId,
      packagePath: c.packagePath,
      version: c.version,
      sha256: c.sha256,
    });
  for (const p of proposed?.versions ?? []) {
    const c = others.find((o) => o.policyId === p.policyId);
    if (!c) continue;
    byPath.set(c.path, { path: c.path, source: c.source, regoVersion: c.regoVersion });
    record(c);
  }
  const added: string[] = [];
  for (const root of roots) {
    const { modules } = referenceClosure({ ...root, path: policyFilePath(root.packagePath) }, others);
    for (const m of modules) {
      if (byPath.has(m.path)) continue;
      byPath.set(m.path, { path: m.path, source: m.source, regoVersion: m.regoVersion });
      record(m);
      added.push(`${m.packagePath} v${m.version}`);
    }
  }
  const notes = [context.record.note];
  if (added.length)
    notes.push(`Added because the policy references them and no bundle ships them yet: ${added.join(", ")}.`);
  if (proposed) notes.push(`With the versions change request #${proposed.changeRequest} proposes.`);
  return {
    modules: [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path)),
    data: context.data,
    record: {
      ...context.record,
      note: notes.join(" "),
      policies: [...policies.values()].sort((a, b) => a.packagePath.localeCompare(b.packagePath)),
      ...(proposed
        ? {
            proposed: {
              changeRequest: proposed.changeRequest,
              contentHash: proposed.contentHash,
              versions: proposed.versions.map((v) => ({ policyId: v.policyId, version: v.version, sha256: v.sha256 })),
            },
          }
        : {}),
    },
  };
}

export type PolicyLink = { policyId: string; name: string; packagePath: string; version: number; direct: boolean };

/** Which policies `packagePath` uses (transitively) and which use it, among the candidates. */
export function referenceLinks(
  root: { packagePath: string; source: string },
  candidates: ReferenceCandidate[],
): { dependencies: PolicyLink[]; dependants: PolicyLink[]; missing: MissingPackage[] } {
  const others = candidates.filter((c) => c.packagePath !== root.packagePath);
  const closure = referenceClosure({ ...root, path: policyFilePath(root.packagePath) }, others);
  const link = (c: ReferenceCandidate, direct: boolean): PolicyLink => ({
    policyId: c.policyId,
    name: c.name,
    packagePath: c.packagePath,
    version: c.version,
    direct,
  });
  const dependants = dependantsOf([root.packagePath], others).map((c) =>
    link(c, directlyUses(c, root.packagePath, others)),
  );
  return {
    dependencies: closure.modules.map((m) => link(m, closure.direct.includes(m.packagePath))),
    dependants,
    missing: closure.missing,
  };
}

function directlyUses(c: ReferenceCandidate, packagePath: string, candidates: ReferenceCandidate[]): boolean {
  const known = [...new Set([...candidates.map((x) => x.packagePath), packagePath])];
  return resolveReferences({ ...c, file: c.path, known }).packages.includes(packagePath);
}

/** The candidates that use any of `packagePaths`, directly or through other policies (never those packages themselves). */
export function dependantsOf(packagePaths: string[], candidates: ReferenceCandidate[]): ReferenceCandidate[] {
  const targets = new Set(packagePaths);
  const known = [...new Set([...candidates.map((c) => c.packagePath), ...packagePaths])];
  const uses = new Map(
    candidates.map((c) => [c.packagePath, resolveReferences({ ...c, file: c.path, known }).packages] as const),
  );
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pkg, refs] of uses) {
      if (targets.has(pkg) || found.has(pkg)) continue;
      if (refs.some((r) => targets.has(r) || found.has(r))) {
        found.add(pkg);
        grew = true;
      }
    }
  }
  return candidates.filter((c) => found.has(c.packagePath));
}
