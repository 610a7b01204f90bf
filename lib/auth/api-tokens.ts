import { db } from "@/lib/db";
import { AppError, notFound } from "@/lib/http/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, can, type Actor } from "@/lib/auth/actor";
import { generateSecret, hashSecret } from "@/lib/auth/secret-tokens";
import type { Role } from "@/lib/auth/roles";
import type { TCreateApiTokenRequest } from "@/lib/auth/schemas";

export const API_TOKEN_PREFIX = "vdt";

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  userEmail?: string;
  roles: Role[];
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
};

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
      actor, action: "api_token.create", target: { type: "api_token", id: created.id },
      after: { name: created.name, roles: created.roles, expiresAt: created.expiresAt, userId: created.userId },
      requestId: options.requestId,
    });
    return created;
  });
  return { token: toView(token), secret };
}

export async function listApiTokens(options: { actor: Actor }): Promise<ApiTokenView[]> {
  const { actor } = options;
  requirePermission(actor, "token:self");
  const rows = await db.apiToken.findMany({
    where: can(actor, "user:manage") ? {} : { userId: actor.userId },
    include: { user: { select: { email: true } } },
    orderBy: { createdAt: "desc" },
  });
  return rows.map((r) => ({ ...toView(r), userEmail: r.user.email }));
}

export async function revokeApiToken(options: { actor: Actor; id: string; requestId?: string }) {
  const { actor, id } = options;
  requirePermission(actor, "token:self");
  // Scoped in the query: another user's token is "not found" unless the caller manages users.
  const scope = can(actor, "user:manage") ? { id } : { id, userId: actor.userId };
  return db.$transaction(async (tx) => {
    const token = await tx.apiToken.findFirst({ where: scope });
    if (!token) throw notFound("API token");
    if (token.revokedAt) return toView(token);
    const revoked = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    await recordAuditEvent(tx, {
      actor, action: "api_token.revoke", target: { type: "api_token", id },
      before: { revokedAt: null }, after: { revokedAt: revoked.revokedAt }, requestId: options.requestId,
    });
    return toView(revoked);
  });
}

/** Resolves a presented token to its user, or null when unknown, revoked, expired or the user is disabled. */
export async function authenticateApiToken(secret: string): Promise<Actor | null> {
  if (!secret.startsWith(`${API_TOKEN_PREFIX}_`)) return null;
  const token = await db.apiToken.findUnique({ where: { tokenHash: hashSecret(secret) }, include: { user: true } });
  const now = new Date();
  if (!token || token.revokedAt || token.expiresAt <= now || token.user.disabledAt) return null;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } });
  }
  return {
    type: "user",
    userId: token.user.id,
    email: token.user.email,
    name: token.user.name,
    // A token never holds more than its owner holds today.
    roles: token.roles.filter((r) => token.user.roles.includes(r)),
    via: "token",
    tokenId: token.id,
  };
}

function toView(t: { id: string; name: string; prefix: string; userId: string; roles: Role[]; expiresAt: Date; revokedAt: Date | null; lastUsedAt: Date | null; createdAt: Date }): ApiTokenView {
  return {
    id: t.id, name: t.name, prefix: t.prefix, userId: t.userId, roles: t.roles,
    expiresAt: t.expiresAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null, createdAt: t.createdAt.toISOString(),
  };
}
