import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { type UserView, toUserView } from "@/lib/users/user-view";

export async function listUsers(options: { actor: Actor }): Promise<UserView[]> {
  requirePermission(options.actor, "user:manage");
  const users = await db.user.findMany({ orderBy: { email: "asc" } });
  return users.map(toUserView);
}
