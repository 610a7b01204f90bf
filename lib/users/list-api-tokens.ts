import { db } from "@/lib/core/db";
import { requirePermission, can, type Actor } from "@/lib/auth/actor";
import { type ApiTokenView, toApiTokenView } from "@/lib/users/api-token-view";

export async function listApiTokens(options: { actor: Actor }): Promise<ApiTokenView[]> {
  const { actor } = options;
  requirePermission(actor, "token:self");
  const rows = await db.apiToken.findMany({
    where: can(actor, "user:manage") ? {} : { userId: actor.userId },
    include: { user: { select: { email: true } } },
    orderBy: { createdAt: "desc" },
  });
  return rows.map((r) => ({ ...toApiTokenView(r), userEmail: r.user.email }));
}
