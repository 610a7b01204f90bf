import { db, type Tx } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { TListTestRunsQuery } from "@/lib/policy-tests/schemas";
import {
  CREATED_BY_SELECT,
  toTestRunSummary,
  toTestRunView,
  type TestRunSummaryView,
  type TestRunView,
} from "@/lib/policy-tests/test-run-views";
import { decodeTimeIdCursor, encodeTimeIdCursor } from "@/lib/core/time-id-cursor";

const SUMMARY_SELECT = {
  id: true,
  policyId: true,
  policyVersionId: true,
  versionNumber: true,
  basedOnVersion: true,
  inline: true,
  sourceSha256: true,
  testsSha256: true,
  status: true,
  total: true,
  passed: true,
  failed: true,
  errored: true,
  skipped: true,
  durationMs: true,
  createdAt: true,
  createdBy: CREATED_BY_SELECT,
} as const;

/** A policy's runs, newest first, keyset-paginated; `version` keeps the runs of that version's exact content. */
export async function listTestRuns(options: {
  actor: Actor;
  policyId: string;
  query: TListTestRunsQuery;
}): Promise<{ items: TestRunSummaryView[]; nextCursor: string | null }> {
  requirePermission(options.actor, "policy:read");
  const { limit, version } = options.query;
  const policy = await db.policy.findUnique({ where: { id: options.policyId }, select: { id: true } });
  if (!policy) throw notFound("Policy");
  let content: Prisma.TestRunWhereInput = {};
  if (version !== undefined) {
    const v = await db.policyVersion.findUnique({
      where: { policyId_number: { policyId: policy.id, number: version } },
      select: { sha256: true, testsSha256: true },
    });
    if (!v) throw notFound("Policy version");
    content = { sourceSha256: v.sha256, testsSha256: v.testsSha256 };
  }
  const cursor = options.query.cursor ? decodeTimeIdCursor(options.query.cursor) : null;
  const rows = await db.testRun.findMany({
    where: {
      policyId: policy.id,
      ...content,
      ...(cursor ? { OR: [{ createdAt: { lt: cursor.at } }, { createdAt: cursor.at, id: { lt: cursor.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: SUMMARY_SELECT,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toTestRunSummary),
    nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.createdAt, last.id) : null,
  };
}

export async function getTestRunOrThrow(options: {
  actor: Actor;
  policyId: string;
  runId: string;
}): Promise<TestRunView> {
  requirePermission(options.actor, "policy:read");
  const row = await db.testRun.findFirst({
    where: { id: options.runId, policyId: options.policyId },
    include: { createdBy: CREATED_BY_SELECT },
  });
  if (!row) throw notFound("Test run");
  return toTestRunView(row);
}

/**
 * The newest run of exactly this version's content (its policy source and its tests), whether it
 * was run as the saved version or as identical unsaved editor content. Null when it was never run.
 * For the review and publish flow: callers have already checked that the actor may read the policy.
 */
export async function getLatestTestRunForVersion(policyVersionId: string): Promise<TestRunView | null> {
  const version = await db.policyVersion.findUnique({
    where: { id: policyVersionId },
    select: { policyId: true, sha256: true, testsSha256: true },
  });
  if (!version) return null;
  const row = await db.testRun.findFirst({
    where: { policyId: version.policyId, sourceSha256: version.sha256, testsSha256: version.testsSha256 },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: { createdBy: CREATED_BY_SELECT },
  });
  return row ? toTestRunView(row) : null;
}

/**
 * For the publish gate, inside its transaction: the newest run of each version's exact content,
 * keyed by version id. Runs made with a change request's versions in the context count only for
 * that change request's exact content (`proposedHash`); without it they never count.
 */
export async function latestRunsForVersions(
  tx: Tx,
  versionIds: string[],
  proposedHash: string | null = null,
): Promise<Map<string, TestRunSummaryView>> {
  if (versionIds.length === 0) return new Map();
  const versions = await tx.policyVersion.findMany({
    where: { id: { in: versionIds } },
    select: { id: true, policyId: true, sha256: true, testsSha256: true },
  });
  const out = new Map<string, TestRunSummaryView>();
  for (const v of versions) {
    const [latest] = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM test_runs
      WHERE policy_id = ${v.policyId}::uuid AND source_sha256 = ${v.sha256} AND tests_sha256 = ${v.testsSha256}
        AND (context->'proposed'->>'contentHash') IS NOT DISTINCT FROM ${proposedHash}::text
      ORDER BY created_at DESC, id DESC LIMIT 1`;
    const row = latest ? await tx.testRun.findUnique({ where: { id: latest.id }, select: SUMMARY_SELECT }) : null;
    if (row) out.set(v.id, toTestRunSummary(row));
  }
  return out;
}

/** For the policy list: the newest run of each policy's head content, in one query. */
export async function latestRunsForHeads(
  heads: Array<{ policyId: string; sha256: string; testsSha256: string }>,
): Promise<Map<string, TestRunSummaryView>> {
  if (heads.length === 0) return new Map();
  const ids = await db.$queryRaw<Array<{ id: string }>>`
    SELECT DISTINCT ON (r.policy_id) r.id::text AS id
    FROM test_runs r
    JOIN unnest(${heads.map((h) => h.policyId)}::uuid[], ${heads.map((h) => h.sha256)}::text[], ${heads.map((h) => h.testsSha256)}::text[]) AS h(policy_id, sha256, tests_sha256)
      ON r.policy_id = h.policy_id AND r.source_sha256 = h.sha256 AND r.tests_sha256 = h.tests_sha256
    WHERE r.context->'proposed' IS NULL
    ORDER BY r.policy_id, r.created_at DESC, r.id DESC`;
  if (ids.length === 0) return new Map();
  const rows = await db.testRun.findMany({ where: { id: { in: ids.map((r) => r.id) } }, select: SUMMARY_SELECT });
  return new Map(rows.map((r) => [r.policyId, toTestRunSummary(r)]));
}
