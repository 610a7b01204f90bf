import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, can, type Actor } from "@/lib/auth/actor";
import { toApiTokenView } from "@/lib/users/api-token-view";

export async function revokeApiToken(options: { actor: Actor; id: string; requestId?: string }) {
  const { actor, id } = options;
  requirePermission(actor, "token:self");
  // Scoped in the query: another user's token is "not found" unless the caller manages users.
  const scope = can(actor, "user:manage") ? { id } : { id, userId: actor.userId };
  return db.$transaction(async (tx) => {
    const token = await tx.apiToken.findFirst({ where: scope });
    if (!token) throw notFound("API token");
    if (token.revokedAt) return toApiTokenView(token);
    const revoked = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    await recordAuditEvent(tx, {
      actor,
      action: "api_token.revoke",
      target: { type: "api_token", id },
      before: { revokedAt: null },
      after: { revokedAt: revoked.revokedAt },
      requestId: options.requestId,
    });
    return toApiTokenView(revoked);
  });
}
