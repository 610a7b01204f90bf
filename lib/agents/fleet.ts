import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";
import { decodeTimeIdCursor, encodeTimeIdCursor } from "@/lib/core/time-id-cursor";

/** Agents silent for longer than this are stale; those silent for a day drop out of rollout totals. */
export const STALE_AFTER_MS = 5 * 60_000;
export const FORGOTTEN_AFTER_MS = 24 * 3_600_000;

export type AgentRow = {
  id: string;
  identity: string;
  identitySource: string;
  opaVersion: string | null;
  credential: { id: string; name: string } | null;
  lastSeenAt: string;
  firstSeenAt: string;
  stale: boolean;
  hasErrors: boolean;
  bundles: Array<{
    name: string;
    activeRevision: string | null;
    code: string | null;
    message: string | null;
    httpCode: number | null;
    lastSuccessfulActivation: string | null;
  }>;
};

export type Rollout = {
  bundle: string;
  latest: { number: number; revision: string; publishedAt: string } | null;
  total: number;
  onLatest: number;
  behind: number;
  stale: number;
  failing: number;
  summary: string;
};

export async function listAgents(options: {
  actor: Actor;
  query: { bundle?: string; cursor?: string; limit: number };
}): Promise<{ items: AgentRow[]; nextCursor: string | null }> {
  requirePermission(options.actor, "agent:read");
  const { bundle, limit } = options.query;
  const cursor = options.query.cursor ? decodeTimeIdCursor(options.query.cursor) : null;
  const where: Prisma.AgentWhereInput = {
    AND: [
      bundle ? { bundles: { some: { bundleName: bundle } } } : {},
      cursor ? { OR: [{ lastSeenAt: { lt: cursor.at } }, { lastSeenAt: cursor.at, id: { lt: cursor.id } }] } : {},
    ],
  };
  const rows = await db.agent.findMany({
    where,
    orderBy: [{ lastSeenAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    include: { bundles: { orderBy: { bundleName: "asc" } }, credential: { select: { id: true, name: true } } },
  });
  const page = rows.slice(0, limit);
  const now = Date.now();
  const last = page[page.length - 1];
  return {
    items: page.map((a) => ({
      id: a.id,
      identity: a.identity,
      identitySource: a.identitySource,
      opaVersion: a.opaVersion,
      credential: a.credential,
      lastSeenAt: a.lastSeenAt.toISOString(),
      firstSeenAt: a.firstSeenAt.toISOString(),
      stale: now - a.lastSeenAt.getTime() > STALE_AFTER_MS,
      hasErrors: a.hasErrors,
      bundles: a.bundles.map((b) => ({
        name: b.bundleName,
        activeRevision: b.activeRevision,
        code: b.code,
        message: b.message,
        httpCode: b.httpCode,
        lastSuccessfulActivation: b.lastSuccessfulActivation?.toISOString() ?? null,
      })),
    })),
    nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.lastSeenAt, last.id) : null,
  };
}

/** Per bundle: how many recently seen agents run the newest revision, lag behind, are stale or failing. */
export async function rolloutProgress(options: { actor: Actor }): Promise<Rollout[]> {
  requirePermission(options.actor, "agent:read");
  const bundles = await db.bundle.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
  const latest = await db.bundleRevision.findMany({
    distinct: ["bundleId"],
    orderBy: [{ bundleId: "asc" }, { number: "desc" }],
    select: { bundleId: true, number: true, revision: true, publishedAt: true },
  });
  const latestBy = new Map(latest.map((r) => [r.bundleId, r]));
  const now = Date.now();
  const statuses = await db.agentBundleStatus.findMany({
    where: { agent: { lastSeenAt: { gte: new Date(now - FORGOTTEN_AFTER_MS) } } },
    select: { bundleName: true, activeRevision: true, code: true, agent: { select: { lastSeenAt: true } } },
  });
  return bundles.map((b) => {
    const head = latestBy.get(b.id) ?? null;
    const mine = statuses.filter((s) => s.bundleName === b.name);
    const fresh = mine.filter((s) => now - s.agent.lastSeenAt.getTime() <= STALE_AFTER_MS);
    const onLatest = head ? fresh.filter((s) => s.activeRevision === head.revision).length : 0;
    const counts = {
      total: mine.length,
      onLatest,
      behind: fresh.length - onLatest,
      stale: mine.length - fresh.length,
      failing: fresh.filter((s) => s.code).length,
    };
    return {
      bundle: b.name,
      latest: head
        ? { number: head.number, revision: head.revision, publishedAt: head.publishedAt.toISOString() }
        : null,
      ...counts,
      summary: describeRollout(head?.revision ?? null, counts),
    };
  });
}

/** "37 of 40 agents on r12, 3 stale for > 5 min" */
export function describeRollout(
  revision: string | null,
  c: { total: number; onLatest: number; behind: number; stale: number; failing: number },
): string {
  if (!revision)
    return c.total === 0
      ? "Not published yet"
      : `Not published yet; ${c.total} agent${c.total === 1 ? "" : "s"} polling`;
  if (c.total === 0) return `No agents report ${revision} yet`;
  const parts = [`${c.onLatest} of ${c.total} agent${c.total === 1 ? "" : "s"} on ${revision}`];
  if (c.behind > 0) parts.push(`${c.behind} on an older revision`);
  if (c.stale > 0) parts.push(`${c.stale} stale for > 5 min`);
  if (c.failing > 0) parts.push(`${c.failing} reporting errors`);
  return parts.join(", ");
}
