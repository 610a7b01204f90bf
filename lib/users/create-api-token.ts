import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { generateSecret } from "@/lib/auth/secret-tokens";
import type { TCreateApiTokenRequest } from "@/lib/auth/schemas";
import { API_TOKEN_PREFIX } from "@/lib/auth/authenticate-api-token";
import { toApiTokenView } from "@/lib/users/api-token-view";

/** Creates a token for the caller, limited to roles the caller holds. The secret is returned once. */
export async function createApiToken(options: { actor: Actor; input: TCreateApiTokenRequest; requestId?: string }) {
  const { actor, input } = options;
  requirePermission(actor, "token:self");
  if (actor.via === "token") throw new AppError("forbidden", "API tokens cannot mint other API tokens");
  const excess = input.roles.filter((r) => !actor.roles.includes(r));
  if (excess.length > 0) {
    throw new AppError("forbidden", `You cannot grant roles you do not hold: ${excess.join(", ")}`);
  }
  const { secret, hash, display } = generateSecret(API_TOKEN_PREFIX);
  const expiresAt = new Date(Date.now() + input.expiresInDays * 86_400_000);
  const token = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { name: input.name, tokenHash: hash, prefix: display, userId: actor.userId, roles: input.roles, expiresAt },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "api_token.create",
      target: { type: "api_token", id: created.id },
      after: { name: created.name, roles: created.roles, expiresAt: created.expiresAt, userId: created.userId },
      requestId: options.requestId,
    });
    return created;
  });
  return { token: toApiTokenView(token), secret };
}
