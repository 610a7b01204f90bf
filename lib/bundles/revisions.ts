import { decodeProtectedHeader } from "jose";
import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { unpackTarGz } from "@/lib/core/tarball";
import type { BundleFileEntry } from "@/lib/bundles/build-bundle";
import type { TListRevisionsQuery } from "@/lib/bundles/schemas";

export type RevisionSummary = {
  number: number;
  revision: string;
  sha256: string;
  etag: string;
  size: number;
  publishedAt: string;
  publishedBy: { email: string; name: string };
  approvedBy: { email: string; name: string } | null;
  changeRequest: { number: number; title: string } | null;
  rollbackOf: string | null;
  reason: string | null;
  testOverride: string | null;
  signature: { kid: string; algorithm: string };
  agentsRunning: number;
};

export type RevisionDetail = RevisionSummary & {
  bundle: string;
  /** The revision agents are served now (a rollback to it would change nothing). */
  current: boolean;
  manifest: unknown;
  files: BundleFileEntry[];
  contents: Array<{ name: string; text: string | null }>;
  signatureHeader: Record<string, unknown>;
  policies: Array<{ policyId: string; packagePath: string; name: string; version: number; sha256: string }>;
  agents: Array<{ identity: string; lastSeenAt: string; code: string | null }>;
};

const MAX_INLINE_FILE_BYTES = 64 * 1024;

const SUMMARY_INCLUDE = {
  publishedBy: { select: { email: true, name: true } },
  approvedBy: { select: { email: true, name: true } },
  changeRequest: { select: { number: true, title: true } },
  rollbackOf: { select: { revision: true } },
  signingKey: { select: { kid: true, algorithm: true } },
} as const;

type SummaryRow = {
  number: number;
  revision: string;
  sha256: string;
  etag: string;
  size: number;
  publishedAt: Date;
  reason: string | null;
  testOverride: string | null;
  publishedBy: { email: string; name: string };
  approvedBy: { email: string; name: string } | null;
  changeRequest: { number: number; title: string } | null;
  rollbackOf: { revision: string } | null;
  signingKey: { kid: string; algorithm: string };
};

function toSummary(r: SummaryRow, agentsRunning: number): RevisionSummary {
  return {
    number: r.number,
    revision: r.revision,
    sha256: r.sha256,
    etag: r.etag,
    size: r.size,
    publishedAt: r.publishedAt.toISOString(),
    publishedBy: r.publishedBy,
    approvedBy: r.approvedBy,
    changeRequest: r.changeRequest,
    rollbackOf: r.rollbackOf?.revision ?? null,
    reason: r.reason,
    testOverride: r.testOverride,
    signature: { kid: r.signingKey.kid, algorithm: r.signingKey.algorithm },
    agentsRunning,
  };
}

/** Newest first, keyset-paginated on the revision number. */
export async function listRevisions(options: {
  actor: Actor;
  name: string;
  query: TListRevisionsQuery;
}): Promise<{ items: RevisionSummary[]; nextBefore: number | null }> {
  requirePermission(options.actor, "bundle:read");
  const bundle = await db.bundle.findUnique({ where: { name: options.name }, select: { id: true, name: true } });
  if (!bundle) throw notFound("Bundle");
  const rows = await db.bundleRevision.findMany({
    where: { bundleId: bundle.id, ...(options.query.before ? { number: { lt: options.query.before } } : {}) },
    orderBy: { number: "desc" },
    take: options.query.limit + 1,
    select: {
      ...SUMMARY_INCLUDE,
      number: true,
      revision: true,
      sha256: true,
      etag: true,
      size: true,
      publishedAt: true,
      reason: true,
      testOverride: true,
    },
  });
  const page = rows.slice(0, options.query.limit);
  const counts = await agentCounts(
    bundle.name,
    page.map((r) => r.revision),
  );
  return {
    items: page.map((r) => toSummary(r, counts.get(r.revision) ?? 0)),
    nextBefore: rows.length > options.query.limit ? page[page.length - 1]!.number : null,
  };
}

export async function getRevisionOrThrow(options: {
  actor: Actor;
  name: string;
  number: number;
}): Promise<RevisionDetail> {
  requirePermission(options.actor, "bundle:read");
  const row = await db.bundleRevision.findFirst({
    where: { bundle: { name: options.name }, number: options.number },
    include: {
      ...SUMMARY_INCLUDE,
      bundle: { select: { name: true } },
      policyVersions: {
        include: { policyVersion: { include: { policy: { select: { packagePath: true, name: true } } } } },
      },
    },
  });
  if (!row) throw notFound("Revision");
  const agents = await db.agentBundleStatus.findMany({
    where: { bundleName: row.bundle.name, activeRevision: row.revision },
    include: { agent: { select: { identity: true, lastSeenAt: true } } },
    orderBy: { agent: { lastSeenAt: "desc" } },
    take: 200,
  });
  const newest = await db.bundleRevision.findFirst({
    where: { bundleId: row.bundleId },
    orderBy: { number: "desc" },
    select: { number: true },
  });
  const contents = (await unpackTarGz(Buffer.from(row.bytes))).map((f) => ({
    name: f.name,
    text: f.content.length <= MAX_INLINE_FILE_BYTES ? f.content.toString("utf8") : null,
  }));
  return {
    ...toSummary(row, agents.length),
    bundle: row.bundle.name,
    current: newest?.number === row.number,
    manifest: row.manifest,
    files: row.files as BundleFileEntry[],
    contents,
    signatureHeader: decodeProtectedHeader(row.signatureJws) as Record<string, unknown>,
    policies: row.policyVersions
      .map((p) => ({
        policyId: p.policyId,
        packagePath: p.policyVersion.policy.packagePath,
        name: p.policyVersion.policy.name,
        version: p.policyVersion.number,
        sha256: p.policyVersion.sha256,
      }))
      .sort((a, b) => a.packagePath.localeCompare(b.packagePath)),
    agents: agents.map((a) => ({
      identity: a.agent.identity,
      lastSeenAt: a.agent.lastSeenAt.toISOString(),
      code: a.code,
    })),
  };
}

export async function revisionTarball(options: {
  actor: Actor;
  name: string;
  number: number;
}): Promise<{ bytes: Uint8Array; fileName: string; etag: string }> {
  requirePermission(options.actor, "bundle:read");
  const row = await db.bundleRevision.findFirst({
    where: { bundle: { name: options.name }, number: options.number },
    select: { bytes: true, etag: true, revision: true },
  });
  if (!row) throw notFound("Revision");
  return { bytes: row.bytes, fileName: `${options.name}-${row.revision}.tar.gz`, etag: row.etag };
}

async function agentCounts(bundleName: string, revisions: string[]): Promise<Map<string, number>> {
  if (revisions.length === 0) return new Map();
  const groups = await db.agentBundleStatus.groupBy({
    by: ["activeRevision"],
    where: { bundleName, activeRevision: { in: revisions } },
    _count: { _all: true },
  });
  return new Map(groups.map((g) => [g.activeRevision ?? "", g._count._all]));
}
