import type { Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Role } from "@/lib/auth/roles";

export type UserView = {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  disabled: boolean;
  hasPassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
};

type UserRow = {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  disabledAt: Date | null;
  passwordHash: string | null;
  lastLoginAt: Date | null;
  createdAt: Date;
};

export function toUserView(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    roles: u.roles,
    disabled: Boolean(u.disabledAt),
    hasPassword: Boolean(u.passwordHash),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

export // What the audit trail records of a user: never the password hash.
function auditableUser(u: UserRow) {
  return { email: u.email, name: u.name, roles: u.roles, disabled: Boolean(u.disabledAt) };
}

export // Nobody can lock the installation out of its own administration.
async function assertAnAdminRemains(tx: Tx, changedId: string, after: UserRow) {
  if (after.roles.includes("admin") && !after.disabledAt) return;
  const admins = await tx.user.count({ where: { roles: { has: "admin" }, disabledAt: null, id: { not: changedId } } });
  if (admins === 0) throw new AppError("conflict", "This would leave no active administrator");
}
