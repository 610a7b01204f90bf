import { db } from "@/lib/core/db";
import { unpackTarGz } from "@/lib/core/tarball";
import type { RegoModule } from "@/lib/opa/types";
import type { EvaluationContextRecord } from "@/lib/policy-tests/types";
import { policyFilePath } from "@/lib/rego/policy-module";

export type EvaluationContext = {
  modules: RegoModule[];
  data: Record<string, unknown> | null;
  record: EvaluationContextRecord;
};

type PublishedRevision = { id: string; bundleName: string; number: number; revision: string };

/**
 * What a policy sees in production besides itself: the other policies shipped with it and the
 * bundle data. The one place that decides it, and every run stores how it was put together.
 *
 * Once bundles are published, that is the latest revision of every bundle — the policies at the
 * versions that were published (never unpublished drafts of other policies) and the revisions'
 * data documents (e.g. caller allowlists) — minus the policy under test, which is evaluated as
 * the draft or version being tested. Before anything is published there is no production
 * context yet, so the other policies are included at their head versions, and no data.
 */
export async function assembleEvaluationContext(options: { policyId: string }): Promise<EvaluationContext> {
  const revisions = await latestRevisions();
  return revisions.length ? publishedContext(options.policyId, revisions) : headContext(options.policyId);
}

async function latestRevisions(): Promise<PublishedRevision[]> {
  const rows = await db.$queryRaw<Array<{ id: string; name: string; number: number; revision: string }>>`
    SELECT DISTINCT ON (r.bundle_id) r.id::text AS id, b.name, r.number, r.revision
    FROM bundle_revisions r JOIN bundles b ON b.id = r.bundle_id
    ORDER BY r.bundle_id, r.number DESC`;
  return rows
    .map((r) => ({ id: r.id, bundleName: r.name, number: r.number, revision: r.revision }))
    .sort((a, b) => a.bundleName.localeCompare(b.bundleName));
}

async function publishedContext(policyId: string, revisions: PublishedRevision[]): Promise<EvaluationContext> {
  const shipped = await db.bundleRevisionPolicy.findMany({
    where: { revisionId: { in: revisions.map((r) => r.id) }, policyId: { not: policyId } },
    select: {
      policyId: true,
      policyVersion: {
        select: {
          number: true,
          sha256: true,
          source: true,
          regoVersion: true,
          policy: { select: { packagePath: true } },
        },
      },
    },
  });
  shipped.sort((a, b) => a.policyVersion.policy.packagePath.localeCompare(b.policyVersion.policy.packagePath));
  const data: Record<string, unknown> = {};
  let bytes = 0;
  for (const revision of revisions) {
    for (const doc of await revisionData(revision.id)) {
      bytes += doc.bytes;
      mergeAt(data, doc.path, doc.value);
    }
  }
  const names = revisions.map((r) => `${r.bundleName} ${r.revision}`).join(", ");
  return {
    modules: shipped.map((s) => ({
      path: policyFilePath(s.policyVersion.policy.packagePath),
      source: s.policyVersion.source,
      regoVersion: s.policyVersion.regoVersion,
    })),
    data: bytes ? data : null,
    record: {
      assembledFrom: "published",
      note: `The other policies and the data as published in the latest revision of every bundle (${names}); unpublished drafts of other policies are not included.`,
      bundles: revisions.map((r) => ({ name: r.bundleName, number: r.number, revision: r.revision })),
      policies: shipped.map((s) => ({
        policyId: s.policyId,
        packagePath: s.policyVersion.policy.packagePath,
        version: s.policyVersion.number,
        sha256: s.policyVersion.sha256,
      })),
      data: {
        included: bytes > 0,
        description: bytes ? `bundle data from ${names}` : "no bundle data (the published revisions carry none)",
        bytes,
      },
    },
  };
}

async function headContext(policyId: string): Promise<EvaluationContext> {
  const others = await db.policy.findMany({
    where: { id: { not: policyId }, headNumber: { gt: 0 } },
    select: { id: true, packagePath: true, headNumber: true },
    orderBy: { packagePath: "asc" },
  });
  const heads = others.length
    ? await db.policyVersion.findMany({
        where: { OR: others.map((p) => ({ policyId: p.id, number: p.headNumber })) },
        select: { policyId: true, number: true, sha256: true, source: true, regoVersion: true },
      })
    : [];
  const headByPolicy = new Map(heads.map((h) => [h.policyId, h]));
  const included = others.flatMap((p) => {
    const head = headByPolicy.get(p.id);
    return head ? [{ policy: p, head }] : [];
  });
  // Before any publish, the data documents imported with a repository are what bundles will ship.
  const imported = await db.repositoryDataDocument.findMany({
    select: { path: true, value: true },
    orderBy: { path: "asc" },
  });
  const data: Record<string, unknown> = {};
  for (const doc of imported) mergeAt(data, doc.path.split("/"), doc.value);
  const bytes = imported.length ? Buffer.byteLength(JSON.stringify(data), "utf8") : 0;
  return {
    modules: included.map(({ policy, head }) => ({
      path: policyFilePath(policy.packagePath),
      source: head.source,
      regoVersion: head.regoVersion,
    })),
    data: imported.length ? data : null,
    record: {
      assembledFrom: "head-versions",
      note: imported.length
        ? "No bundle has been published yet, so the other policies are included at their current head versions, with the imported data documents."
        : "No bundle has been published yet, so the other policies are included at their current head versions and no bundle data is loaded.",
      bundles: [],
      policies: included.map(({ policy, head }) => ({
        policyId: policy.id,
        packagePath: policy.packagePath,
        version: head.number,
        sha256: head.sha256,
      })),
      data: imported.length
        ? { included: true, description: `${imported.length} imported data document(s) (nothing published yet)`, bytes }
        : { included: false, description: "no bundle data (nothing published yet)", bytes: 0 },
    },
  };
}

type DataDoc = { path: string[]; value: unknown; bytes: number };

// Revisions are immutable, so their data documents are read from the tarball once per process.
const dataCache = new Map<string, DataDoc[]>();
const DATA_CACHE_LIMIT = 32;

async function revisionData(revisionId: string): Promise<DataDoc[]> {
  const cached = dataCache.get(revisionId);
  if (cached) return cached;
  const row = await db.bundleRevision.findUniqueOrThrow({ where: { id: revisionId }, select: { bytes: true } });
  const files = await unpackTarGz(Buffer.from(row.bytes));
  const docs = files
    .filter((f) => f.name.replace(/^\/+/, "").split("/").pop() === "data.json")
    .map((f) => {
      const dir = f.name.replace(/^\/+/, "").split("/").slice(0, -1);
      return { path: dir, value: JSON.parse(f.content.toString("utf8")) as unknown, bytes: f.content.length };
    });
  if (dataCache.size >= DATA_CACHE_LIMIT) dataCache.delete(dataCache.keys().next().value!);
  dataCache.set(revisionId, docs);
  return docs;
}

function mergeAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  if (path.length === 0) {
    if (value && typeof value === "object" && !Array.isArray(value)) Object.assign(target, value);
    return;
  }
  let node = target;
  for (const segment of path.slice(0, -1)) {
    if (!node[segment] || typeof node[segment] !== "object") node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
