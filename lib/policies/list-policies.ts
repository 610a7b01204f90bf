import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { TListPoliciesQuery } from "@/lib/policies/schemas";
import { latestRunsForHeads } from "@/lib/policy-tests/get-test-runs";
import type { TestRunSummaryView } from "@/lib/policy-tests/test-run-views";
import { decodeTimeIdCursor, encodeTimeIdCursor } from "@/lib/core/time-id-cursor";

export type PolicyListItem = {
  id: string;
  name: string;
  packagePath: string;
  owner: string;
  headNumber: number;
  updatedAt: string;
  lastAuthor: { email: string; name: string } | null;
  lastMessage: string;
  /** The newest test run of the head version's exact content; null when it was never run. */
  latestTestRun: Pick<TestRunSummaryView, "id" | "status" | "passed" | "summary" | "createdAt"> | null;
};

/** Most recently changed first; keyset-paginated on (updatedAt, id). */
export async function listPolicies(options: {
  actor: Actor;
  query: TListPoliciesQuery;
}): Promise<{ items: PolicyListItem[]; nextCursor: string | null }> {
  requirePermission(options.actor, "policy:read");
  const { q, limit } = options.query;
  const cursor = options.query.cursor ? decodeTimeIdCursor(options.query.cursor) : null;
  const where: Prisma.PolicyWhereInput = {
    AND: [
      q
        ? {
            OR: [
              { name: { contains: q, mode: "insensitive" } },
              { packagePath: { contains: q, mode: "insensitive" } },
              { owner: { contains: q, mode: "insensitive" } },
            ],
          }
        : {},
      cursor ? { OR: [{ updatedAt: { lt: cursor.at } }, { updatedAt: cursor.at, id: { lt: cursor.id } }] } : {},
    ],
  };
  const rows = await db.policy.findMany({ where, orderBy: [{ updatedAt: "desc" }, { id: "desc" }], take: limit + 1 });
  const page = rows.slice(0, limit);
  const heads = await db.policyVersion.findMany({
    where: { OR: page.map((p) => ({ policyId: p.id, number: p.headNumber })) },
    select: {
      policyId: true,
      message: true,
      sha256: true,
      testsSha256: true,
      author: { select: { email: true, name: true } },
    },
  });
  const headByPolicy = new Map(heads.map((h) => [h.policyId, h]));
  const runs = await latestRunsForHeads(heads);
  const last = page[page.length - 1];
  return {
    items: page.map((p) => ({
      id: p.id,
      name: p.name,
      packagePath: p.packagePath,
      owner: p.owner,
      headNumber: p.headNumber,
      updatedAt: p.updatedAt.toISOString(),
      lastAuthor: headByPolicy.get(p.id)?.author ?? null,
      lastMessage: headByPolicy.get(p.id)?.message ?? "",
      latestTestRun: pickRun(runs.get(p.id)),
    })),
    nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.updatedAt, last.id) : null,
  };
}

function pickRun(run: TestRunSummaryView | undefined): PolicyListItem["latestTestRun"] {
  return run
    ? { id: run.id, status: run.status, passed: run.passed, summary: run.summary, createdAt: run.createdAt }
    : null;
}
