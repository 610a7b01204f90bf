import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";

export type NoticeView = {
  id: string;
  kind: string;
  title: string;
  link: string | null;
  createdAt: string;
  read: boolean;
};

/** Notices addressed to the signed-in person (grant owners are named by their email). */
export async function listNotices(options: { actor: Actor; limit?: number }): Promise<NoticeView[]> {
  requirePermission(options.actor, "allowlist:read");
  const rows = await db.notice.findMany({
    where: { recipient: { equals: options.actor.email, mode: "insensitive" } },
    orderBy: { createdAt: "desc" },
    take: options.limit ?? 50,
  });
  return rows.map((n) => ({
    id: n.id,
    kind: n.kind,
    title: n.title,
    link: n.link,
    createdAt: n.createdAt.toISOString(),
    read: n.readAt !== null,
  }));
}

export async function markNoticeRead(options: { actor: Actor; id: string }): Promise<{ id: string; read: true }> {
  requirePermission(options.actor, "allowlist:read");
  const updated = await db.notice.updateMany({
    where: { id: options.id, recipient: { equals: options.actor.email, mode: "insensitive" }, readAt: null },
    data: { readAt: new Date() },
  });
  if (updated.count === 0) {
    const exists = await db.notice.findFirst({
      where: { id: options.id, recipient: { equals: options.actor.email, mode: "insensitive" } },
      select: { id: true },
    });
    if (!exists) throw notFound("Notice");
  }
  return { id: options.id, read: true };
}
