import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import type { Role } from "@/lib/auth/roles";
import { hashPassword } from "@/lib/auth/passwords";

let counter = 0;

/** A user in the database and the Actor that acts as them. */
export async function createTestUser(
  roles: Role[],
  options: { password?: string; email?: string } = {},
): Promise<Actor & { password?: string }> {
  counter += 1;
  const email =
    options.email ?? `${roles.join("-") || "nobody"}-${counter}-${process.pid}-${Date.now().toString(36)}@example.test`;
  const user = await db.user.create({
    data: {
      email,
      name: `${roles[0] ?? "No role"} ${counter}`,
      roles,
      passwordHash: options.password ? await hashPassword(options.password) : null,
    },
  });
  return {
    type: "user",
    userId: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    via: "session",
    password: options.password,
  };
}
