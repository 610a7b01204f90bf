import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { hashSecret } from "@/lib/auth/secret-tokens";

export const API_TOKEN_PREFIX = "vdt";

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
