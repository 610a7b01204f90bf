import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { unpackTarGz } from "@/lib/core/tarball";
import { ALLOWLISTS_DATA_PATH } from "@/lib/allowlists/bundle-allowlists";
import type { AllowlistsDocument } from "@/lib/allowlists/opa-data";
import { historySince, type HistorySince } from "@/lib/evidence/history-since";

export type Approval = { reviewer: string; at: string; contentHash: string; matchesContent: boolean };
export type TestRunRef = { id: string; status: string; passed: number; total: number; at: string; by: string };
export type PolicyAt = {
  policyId: string;
  packagePath: string;
  name: string;
  version: number;
  sha256: string;
  testRuns: TestRunRef[];
};
export type ChangeRequestRef = {
  number: number;
  title: string;
  author: string;
  contentHash: string;
  approvals: Approval[];
};
export type RevisionAt = {
  number: number;
  revision: string;
  sha256: string;
  publishedAt: string;
  publishedBy: string;
  approvedBy: string | null;
  signedWith: string;
  rollbackOf: string | null;
  reason: string | null;
  testOverride: string | null;
  changeRequest: ChangeRequestRef | null;
  policies: PolicyAt[];
};
/** One agent's latest report about a bundle at or before the moment, with the report after it. */
export type AgentAt = {
  identity: string;
  revision: string | null;
  firstReportedAt: string;
  lastReportedAt: string;
  /** When it next reported a different revision (after the moment), if it has. */
  nextReportAt: string | null;
};
export type BundleAt = { name: string; revision: RevisionAt | null; agents: AgentAt[] };
export type GrantAt = {
  id: string;
  service: string;
  method: string;
  path: string;
  caller: string;
  expiresAt: string | null;
  crossTrustDomain: boolean;
  /** Where owner, reason and people come from: the grant history, or nothing (granted before it was kept). */
  recorded: boolean;
  owner: string | null;
  reason: string | null;
  createdBy: string | null;
  approvedBy: string | null;
  changeRequest: ChangeRequestRef | null;
};
export type StateAt = {
  at: string;
  history: HistorySince;
  bundles: BundleAt[];
  /** The grants agents enforced: those in the allowlist bundle's revision current at the moment, unexpired then. */
  grants: { bundle: string; revision: string; items: GrantAt[] } | null;
};

const TEST_RUNS_PER_POLICY = 3;

export async function getStateAt(options: { actor: Actor; at: Date }): Promise<StateAt> {
  requirePermission(options.actor, "evidence:read");
  return loadStateAt(options.at);
}

/**
 * The state at a moment, from immutable records: per bundle the revision with the highest number
 * published at or before it (a revision published exactly then counts), what agents last reported
 * by then, and the grants the allowlist revision shipped.
 */
export async function loadStateAt(at: Date): Promise<StateAt> {
  const bundles = await db.bundle.findMany({
    where: { createdAt: { lte: at } },
    orderBy: { name: "asc" },
    select: { id: true, name: true },
  });
  const current = await currentRevisionIds(at);
  const revisions = await loadRevisions([...current.values()], at);
  const agents = await agentsAt(at);
  const out: BundleAt[] = bundles.map((b) => {
    const id = current.get(b.id);
    return { name: b.name, revision: id ? revisions.get(id)!.view : null, agents: agents.get(b.name) ?? [] };
  });
  let grants: StateAt["grants"] = null;
  for (const b of bundles) {
    const id = current.get(b.id);
    const row = id ? revisions.get(id) : undefined;
    const doc = row ? await allowlistsOf(row.bytes) : null;
    if (row && doc) {
      grants = { bundle: b.name, revision: row.view.revision, items: await grantsOf(doc, at, id!, row.publishedAt) };
      break;
    }
  }
  return { at: at.toISOString(), history: await historySince(), bundles: out, grants };
}

async function currentRevisionIds(at: Date): Promise<Map<string, string>> {
  const rows = await db.$queryRaw<Array<{ bundle_id: string; id: string }>>`
    SELECT DISTINCT ON (bundle_id) bundle_id, id FROM bundle_revisions
     WHERE published_at <= ${at} ORDER BY bundle_id, number DESC`;
  return new Map(rows.map((r) => [r.bundle_id, r.id]));
}

type LoadedRevision = { view: RevisionAt; bytes: Uint8Array; publishedAt: Date };

/** Revisions with their change request, approvals, policy versions and the test runs of each (up to `at`). */
export async function loadRevisions(ids: string[], at: Date): Promise<Map<string, LoadedRevision>> {
  if (ids.length === 0) return new Map();
  const rows = await db.bundleRevision.findMany({
    where: { id: { in: ids } },
    include: {
      publishedBy: { select: { email: true } },
      approvedBy: { select: { email: true } },
      signingKey: { select: { kid: true } },
      rollbackOf: { select: { revision: true } },
      changeRequest: { select: { id: true } },
      policyVersions: {
        include: { policyVersion: { include: { policy: { select: { name: true, packagePath: true } } } } },
      },
    },
  });
  const crs = await changeRequestRefs(rows.flatMap((r) => (r.changeRequest ? [r.changeRequest.id] : [])));
  const versions = rows.flatMap((r) => r.policyVersions.map((p) => p.policyVersion));
  const runs = await testRunsOf(versions, at);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        bytes: r.bytes,
        publishedAt: r.publishedAt,
        view: {
          number: r.number,
          revision: r.revision,
          sha256: r.sha256,
          publishedAt: r.publishedAt.toISOString(),
          publishedBy: r.publishedBy.email,
          approvedBy: r.approvedBy?.email ?? null,
          signedWith: r.signingKey.kid,
          rollbackOf: r.rollbackOf?.revision ?? null,
          reason: r.reason,
          testOverride: r.testOverride,
          changeRequest: r.changeRequest ? (crs.get(r.changeRequest.id) ?? null) : null,
          policies: r.policyVersions
            .map(({ policyVersion: v }) => ({
              policyId: v.policyId,
              packagePath: v.policy.packagePath,
              name: v.policy.name,
              version: v.number,
              sha256: v.sha256,
              testRuns: runs.get(v.id) ?? [],
            }))
            .sort((a, b) => a.packagePath.localeCompare(b.packagePath)),
        },
      },
    ]),
  );
}

export async function changeRequestRefs(ids: string[]): Promise<Map<string, ChangeRequestRef>> {
  if (ids.length === 0) return new Map();
  const rows = await db.changeRequest.findMany({
    where: { id: { in: [...new Set(ids)] } },
    include: {
      author: { select: { email: true } },
      reviews: {
        where: { verdict: "approve" },
        orderBy: { createdAt: "asc" },
        include: { reviewer: { select: { email: true } } },
      },
    },
  });
  return new Map(
    rows.map((cr) => [
      cr.id,
      {
        number: cr.number,
        title: cr.title,
        author: cr.author.email,
        contentHash: cr.contentHash,
        approvals: cr.reviews.map((r) => ({
          reviewer: r.reviewer.email,
          at: r.createdAt.toISOString(),
          contentHash: r.contentHash,
          matchesContent: r.contentHash === cr.contentHash && r.voidedAt === null,
        })),
      },
    ]),
  );
}

/** The newest runs of exactly each version's content (policy source and tests), made by `at`. */
async function testRunsOf(
  versions: Array<{ id: string; policyId: string; sha256: string; testsSha256: string }>,
  at: Date,
): Promise<Map<string, TestRunRef[]>> {
  const out = new Map<string, TestRunRef[]>();
  for (const v of versions) {
    const runs = await db.testRun.findMany({
      where: { policyId: v.policyId, sourceSha256: v.sha256, testsSha256: v.testsSha256, createdAt: { lte: at } },
      orderBy: { createdAt: "desc" },
      take: TEST_RUNS_PER_POLICY,
      include: { createdBy: { select: { email: true } } },
    });
    out.set(
      v.id,
      runs.map((r) => ({
        id: r.id,
        status: r.status,
        passed: r.passed,
        total: r.total,
        at: r.createdAt.toISOString(),
        by: r.createdBy.email,
      })),
    );
  }
  return out;
}

async function agentsAt(at: Date): Promise<Map<string, AgentAt[]>> {
  const rows = await db.$queryRaw<
    Array<{
      agent_identity: string;
      bundle_name: string;
      active_revision: string | null;
      first_reported_at: Date;
      last_reported_at: Date;
      next_report_at: Date | null;
    }>
  >`
    SELECT DISTINCT ON (r.bundle_name, r.agent_identity) r.agent_identity, r.bundle_name, r.active_revision,
           r.first_reported_at, r.last_reported_at,
           (SELECT min(n.first_reported_at) FROM agent_revision_reports n
             WHERE n.agent_identity = r.agent_identity AND n.bundle_name = r.bundle_name AND n.id > r.id) AS next_report_at
      FROM agent_revision_reports r
     WHERE r.first_reported_at <= ${at}
     ORDER BY r.bundle_name, r.agent_identity, r.id DESC`;
  const out = new Map<string, AgentAt[]>();
  for (const r of rows) {
    (out.get(r.bundle_name) ?? out.set(r.bundle_name, []).get(r.bundle_name)!).push({
      identity: r.agent_identity,
      revision: r.active_revision,
      firstReportedAt: r.first_reported_at.toISOString(),
      lastReportedAt: r.last_reported_at.toISOString(),
      nextReportAt: r.next_report_at?.toISOString() ?? null,
    });
  }
  return out;
}

async function allowlistsOf(bytes: Uint8Array): Promise<AllowlistsDocument | null> {
  const files = await unpackTarGz(Buffer.from(bytes));
  const file = files.find((f) => f.name === `${ALLOWLISTS_DATA_PATH}/data.json`);
  return file ? (JSON.parse(file.content.toString("utf8")) as AllowlistsDocument) : null;
}

/** The grants a revision shipped that had not expired at `at`, with each one's recorded version as shipped. */
async function grantsOf(doc: AllowlistsDocument, at: Date, revisionId: string, publishedAt: Date): Promise<GrantAt[]> {
  const atNs = at.getTime() * 1_000_000;
  const shipped: Array<Omit<GrantAt, "recorded" | "owner" | "reason" | "createdBy" | "approvedBy" | "changeRequest">> =
    [];
  for (const [service, s] of Object.entries(doc.services ?? {})) {
    const grants = [
      ...Object.entries(s.callers).flatMap(([caller, list]) => list.map((g) => ({ ...g, caller }))),
      ...s.wildcards,
    ];
    for (const g of grants) {
      if (g.expires_at_ns !== undefined && g.expires_at_ns <= atNs) continue;
      const endpoint = s.endpoints[g.endpoint];
      shipped.push({
        id: g.id,
        service,
        method: endpoint?.method ?? g.endpoint,
        path: endpoint?.path ?? "",
        caller: g.caller,
        expiresAt: g.expires_at_ns === undefined ? null : new Date(Math.round(g.expires_at_ns / 1e6)).toISOString(),
        crossTrustDomain: g.cross_trust_domain === true,
      });
    }
  }
  const versions = await grantVersions(
    shipped.map((g) => g.id),
    revisionId,
    publishedAt,
  );
  const crs = await changeRequestsOfChangeSets([...versions.values()].flatMap((v) => v.changeSetId ?? []));
  return shipped
    .map((g) => {
      const v = versions.get(g.id);
      return {
        ...g,
        recorded: v !== undefined,
        owner: v?.owner ?? null,
        reason: v?.reason ?? null,
        createdBy: v?.createdBy ?? null,
        approvedBy: v?.approvedBy ?? null,
        changeRequest: v?.changeSetId ? (crs.get(v.changeSetId) ?? null) : null,
      };
    })
    .sort((a, b) =>
      `${a.service} ${a.path} ${a.method} ${a.caller}`.localeCompare(`${b.service} ${b.path} ${b.method} ${b.caller}`),
    );
}

type GrantVersion = {
  owner: string;
  reason: string;
  createdBy: string | null;
  approvedBy: string | null;
  changeSetId: string | null;
};

/**
 * The version of each grant a revision shipped: its newest recorded version from before the
 * revision was built, or the one the revision's own change request applied (a publish applies
 * its allowlist changes after building, in the transaction that stores the revision).
 */
async function grantVersions(ids: string[], revisionId: string, builtAt: Date): Promise<Map<string, GrantVersion>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRaw<
    Array<{
      entry_id: string;
      owner: string;
      reason: string;
      created_by: string | null;
      approved_by: string | null;
      change_set_id: string | null;
    }>
  >`
    SELECT DISTINCT ON (h.entry_id) h.entry_id, h.owner, h.reason, c.email AS created_by, a.email AS approved_by, h.change_set_id
      FROM allowlist_entry_history h
      LEFT JOIN users c ON c.id = h.created_by_id LEFT JOIN users a ON a.id = h.approved_by_id
     WHERE h.entry_id = ANY(${ids}::uuid[]) AND h.operation <> 'delete'
       AND (h.recorded_at <= ${builtAt} OR h.change_set_id IN (
             SELECT i.allowlist_change_set_id FROM bundle_revisions r
               JOIN change_request_items i ON i.change_request_id = r.change_request_id
              WHERE r.id = ${revisionId}::uuid AND i.allowlist_change_set_id IS NOT NULL))
     ORDER BY h.entry_id, h.id DESC`;
  return new Map(
    rows.map((r) => [
      r.entry_id,
      {
        owner: r.owner,
        reason: r.reason,
        createdBy: r.created_by,
        approvedBy: r.approved_by,
        changeSetId: r.change_set_id,
      },
    ]),
  );
}

async function changeRequestsOfChangeSets(changeSetIds: string[]): Promise<Map<string, ChangeRequestRef>> {
  if (changeSetIds.length === 0) return new Map();
  const items = await db.changeRequestItem.findMany({
    where: { allowlistChangeSetId: { in: [...new Set(changeSetIds)] } },
    select: { allowlistChangeSetId: true, changeRequestId: true },
  });
  const crs = await changeRequestRefs(items.map((i) => i.changeRequestId));
  return new Map(items.map((i) => [i.allowlistChangeSetId!, crs.get(i.changeRequestId)!]));
}
