import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { can, requirePermission, type Actor } from "@/lib/auth/actor";
import { isPolicyItem, loadItems } from "@/lib/change-requests/change-request-items";
import type { TestGate } from "@/lib/change-requests/test-gate";
import { describeAllowlistItems, type AllowlistChangeItemView } from "@/lib/allowlists/change-set-views";
import type { ChangeRequestStatus, ReviewVerdict } from "@/lib/generated/prisma/enums";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { TListChangeRequestsQuery } from "@/lib/change-requests/schemas";
import { testGateForItems } from "@/lib/change-requests/test-gate";
import { decodeTimeIdCursor, encodeTimeIdCursor } from "@/lib/core/time-id-cursor";

type Person = { id: string; email: string; name: string };

export type ChangeRequestItemView = PolicyVersionItemView | AllowlistChangeItemView;

export type PolicyVersionItemView = {
  kind: "policy_version";
  policy: { id: string; name: string; packagePath: string };
  version: { id: string; number: number; sha256: string; message: string; author: Person };
  /** What agents run today: the version in the bundle's newest revision (the left side of the diff). */
  base: { number: number; revision: string } | null;
  bundle: string | null;
};

export type ReviewView = {
  id: string;
  reviewer: Person;
  verdict: ReviewVerdict;
  body: string;
  createdAt: string;
  voided: boolean;
  matchesContent: boolean;
};

export type ChangeRequestView = {
  id: string;
  number: number;
  title: string;
  description: string;
  status: ChangeRequestStatus;
  contentHash: string;
  author: Person;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  items: ChangeRequestItemView[];
  reviews: ReviewView[];
  approval: { reviewer: Person; at: string } | null;
  tests: TestGate;
  revisions: Array<{ bundle: string; number: number; revision: string }>;
  /** What the caller may do now, so the page shows only working buttons. */
  can: { edit: boolean; review: boolean; comment: boolean; publish: boolean; override: boolean; close: boolean };
};

const PERSON = { select: { id: true, email: true, name: true } } as const;

export async function getChangeRequestOrThrow(options: { actor: Actor; number: number }): Promise<ChangeRequestView> {
  const { actor } = options;
  requirePermission(actor, "policy:read");
  const cr = await db.changeRequest.findUnique({
    where: { number: options.number },
    include: {
      author: PERSON,
      reviews: { include: { reviewer: PERSON }, orderBy: { createdAt: "asc" } },
      revisions: {
        select: { bundleId: true, number: true, revision: true, bundle: { select: { name: true } } },
        orderBy: { publishedAt: "asc" },
      },
    },
  });
  if (!cr) throw notFound("Change request");
  const { items, tests } = await db.$transaction(async (tx) => {
    const loaded = await loadItems(tx, cr.id);
    return { items: loaded, tests: await testGateForItems(tx, loaded, cr.contentHash) };
  });
  const policyViews = await describeItems(
    items.filter(isPolicyItem).map((i) => i.versionId),
    cr.revisions.map((r) => ({ bundleId: r.bundleId, number: r.number })),
  );
  const allowlistViews = await describeAllowlistItems(
    items.flatMap((i) => (isPolicyItem(i) ? [] : [i.changeSetId])),
    { published: cr.status === "published" },
  );
  const itemViews = items.map((i) =>
    isPolicyItem(i)
      ? policyViews.find((v) => v.version.id === i.versionId)!
      : allowlistViews.find((v) => v.changeSetId === i.changeSetId)!,
  );
  const reviews = cr.reviews.map((r) => ({
    id: r.id,
    reviewer: r.reviewer,
    verdict: r.verdict,
    body: r.body,
    createdAt: r.createdAt.toISOString(),
    voided: r.voidedAt !== null,
    matchesContent: r.contentHash === cr.contentHash,
  }));
  const approval = [...reviews].reverse().find((r) => r.verdict === "approve" && !r.voided && r.matchesContent) ?? null;
  const open = cr.status !== "published" && cr.status !== "closed";
  const wroteSome = items.some((i) => i.authorId === actor.userId);
  return {
    id: cr.id,
    number: cr.number,
    title: cr.title,
    description: cr.description,
    status: cr.status,
    contentHash: cr.contentHash,
    author: cr.author,
    createdAt: cr.createdAt.toISOString(),
    updatedAt: cr.updatedAt.toISOString(),
    publishedAt: cr.publishedAt?.toISOString() ?? null,
    items: itemViews,
    reviews,
    approval:
      approval && (cr.status === "approved" || cr.status === "published")
        ? { reviewer: approval.reviewer, at: approval.createdAt }
        : null,
    tests,
    revisions: cr.revisions.map((r) => ({ bundle: r.bundle.name, number: r.number, revision: r.revision })),
    can: {
      edit: open && cr.authorId === actor.userId && can(actor, "change:submit"),
      review: open && can(actor, "change:review") && cr.authorId !== actor.userId && !wroteSome,
      comment: open && (can(actor, "change:review") || can(actor, "change:submit")),
      publish:
        cr.status === "approved" && can(actor, "bundle:publish") && (tests.passed || can(actor, "publish:override")),
      override: cr.status === "approved" && !tests.passed && can(actor, "publish:override"),
      close: open && cr.authorId === actor.userId,
    },
  };
}

/**
 * Each item with its diff base: the version agents run today, or — once this change request is
 * published — the version the revision before its own shipped.
 */
async function describeItems(
  versionIds: string[],
  publishedAs: Array<{ bundleId: string; number: number }>,
): Promise<PolicyVersionItemView[]> {
  const versions = await db.policyVersion.findMany({
    where: { id: { in: versionIds } },
    include: {
      author: PERSON,
      policy: {
        select: {
          id: true,
          name: true,
          packagePath: true,
          bundleMembership: { select: { bundleId: true, bundle: { select: { name: true } } } },
        },
      },
    },
  });
  const bundleIds = [
    ...new Set(versions.flatMap((v) => (v.policy.bundleMembership ? [v.policy.bundleMembership.bundleId] : []))),
  ];
  const heads =
    bundleIds.length === 0
      ? []
      : await db.bundleRevision.findMany({
          where: {
            bundleId: { in: bundleIds },
            AND: publishedAs.map((p) => ({ NOT: { bundleId: p.bundleId, number: { gte: p.number } } })),
          },
          distinct: ["bundleId"],
          orderBy: [{ bundleId: "asc" }, { number: "desc" }],
          select: {
            bundleId: true,
            revision: true,
            policyVersions: { select: { policyId: true, policyVersion: { select: { number: true } } } },
          },
        });
  const byId = new Map(versions.map((v) => [v.id, v]));
  return versionIds.map((id) => {
    const v = byId.get(id)!;
    const head = heads.find((h) => h.bundleId === v.policy.bundleMembership?.bundleId);
    const shipped = head?.policyVersions.find((p) => p.policyId === v.policyId);
    return {
      kind: "policy_version" as const,
      policy: { id: v.policy.id, name: v.policy.name, packagePath: v.policy.packagePath },
      version: { id: v.id, number: v.number, sha256: v.sha256, message: v.message, author: v.author },
      base: shipped && head ? { number: shipped.policyVersion.number, revision: head.revision } : null,
      bundle: v.policy.bundleMembership?.bundle.name ?? null,
    };
  });
}

export type ChangeRequestListItem = {
  number: number;
  title: string;
  status: ChangeRequestStatus;
  author: Person;
  itemCount: number;
  updatedAt: string;
  createdAt: string;
};

/** Most recently updated first, keyset-paginated on (updatedAt, id). "active" = not published or closed. */
export async function listChangeRequests(options: {
  actor: Actor;
  query: TListChangeRequestsQuery;
}): Promise<{ items: ChangeRequestListItem[]; nextCursor: string | null }> {
  requirePermission(options.actor, "policy:read");
  const { status, limit } = options.query;
  const cursor = options.query.cursor ? decodeTimeIdCursor(options.query.cursor) : null;
  const where: Prisma.ChangeRequestWhereInput = {
    AND: [
      status === "all"
        ? {}
        : status === "active"
          ? { status: { in: ["open", "changes_requested", "approved"] } }
          : { status },
      cursor ? { OR: [{ updatedAt: { lt: cursor.at } }, { updatedAt: cursor.at, id: { lt: cursor.id } }] } : {},
    ],
  };
  const rows = await db.changeRequest.findMany({
    where,
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    include: { author: PERSON, _count: { select: { items: true } } },
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      number: r.number,
      title: r.title,
      status: r.status,
      author: r.author,
      itemCount: r._count.items,
      updatedAt: r.updatedAt.toISOString(),
      createdAt: r.createdAt.toISOString(),
    })),
    nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.updatedAt, last.id) : null,
  };
}
