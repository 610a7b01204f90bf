import { getServerSession } from "next-auth";
import { db } from "@/lib/core/db";
import { authOptions } from "@/lib/auth/next-auth-options";
import { bearerToken } from "@/lib/auth/secret-tokens";
import type { Actor } from "@/lib/auth/actor";
import { authenticateApiToken } from "@/lib/auth/authenticate-api-token";

export type ResolvedCaller = { actor: Actor | null; via: "session" | "token" | "none"; presentedToken: boolean };

/**
 * Identifies the caller from an API token (Authorization: Bearer vdt_…) or the next-auth session
 * cookie. The user row is re-read on every request so that a disabled account or a removed role
 * takes effect at once, not when a session expires.
 */
export async function resolveCaller(headers: Headers): Promise<ResolvedCaller> {
  const token = bearerToken(headers);
  if (token) return { actor: await authenticateApiToken(token), via: "token", presentedToken: true };
  const actor = await sessionActor();
  return { actor, via: actor ? "session" : "none", presentedToken: false };
}

/** The signed-in person for server components and server actions, or null. */
export async function sessionActor(): Promise<Actor | null> {
  const session = (await getServerSession(authOptions())) as { uid?: string } | null;
  if (!session?.uid) return null;
  const user = await db.user.findUnique({ where: { id: session.uid } });
  if (!user || user.disabledAt) return null;
  return { type: "user", userId: user.id, email: user.email, name: user.name, roles: user.roles, via: "session" };
}
