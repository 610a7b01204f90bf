import { db, type Tx } from "@/lib/db";
import { AppError, notFound } from "@/lib/http/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/passwords";
import type { Role } from "@/lib/auth/roles";
import type { TCreateUserRequest, TUpdateUserRequest } from "@/lib/users/schemas";

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

type UserRow = { id: string; email: string; name: string; roles: Role[]; disabledAt: Date | null; passwordHash: string | null; lastLoginAt: Date | null; createdAt: Date };

function toView(u: UserRow): UserView {
  return {
    id: u.id, email: u.email, name: u.name, roles: u.roles, disabled: Boolean(u.disabledAt),
    hasPassword: Boolean(u.passwordHash), lastLoginAt: u.lastLoginAt?.toISOString() ?? null, createdAt: u.createdAt.toISOString(),
  };
}

// What the audit trail records of a user: never the password hash.
function auditable(u: UserRow) {
  return { email: u.email, name: u.name, roles: u.roles, disabled: Boolean(u.disabledAt) };
}

export async function listUsers(options: { actor: Actor }): Promise<UserView[]> {
  requirePermission(options.actor, "user:manage");
  const users = await db.user.findMany({ orderBy: { email: "asc" } });
  return users.map(toView);
}

export async function createUser(options: { actor: Actor; input: TCreateUserRequest; requestId?: string }): Promise<UserView> {
  const { actor, input } = options;
  requirePermission(actor, "user:manage");
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) {
      throw new AppError("conflict", `A user with email ${input.email} already exists`);
    }
    const user = await tx.user.create({ data: { email: input.email, name: input.name, roles: input.roles, passwordHash } });
    await recordAuditEvent(tx, { actor, action: "user.create", target: { type: "user", id: user.id }, after: auditable(user), requestId: options.requestId });
    return toView(user);
  });
}

export async function updateUser(options: { actor: Actor; id: string; input: TUpdateUserRequest; requestId?: string }): Promise<UserView> {
  const { actor, id, input } = options;
  requirePermission(actor, "user:manage");
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id } });
    if (!before) throw notFound("User");
    const disabledAt = input.disabled === undefined ? undefined : input.disabled ? (before.disabledAt ?? new Date()) : null;
    const after = await tx.user.update({ where: { id }, data: { name: input.name, roles: input.roles, disabledAt, passwordHash } });
    await assertAnAdminRemains(tx, id, after);
    await recordAuditEvent(tx, {
      actor, action: "user.update", target: { type: "user", id },
      before: auditable(before), after: { ...auditable(after), ...(passwordHash ? { passwordChanged: true } : {}) },
      requestId: options.requestId,
    });
    return toView(after);
  });
}

// Nobody can lock the installation out of its own administration.
async function assertAnAdminRemains(tx: Tx, changedId: string, after: UserRow) {
  if (after.roles.includes("admin") && !after.disabledAt) return;
  const admins = await tx.user.count({ where: { roles: { has: "admin" }, disabledAt: null, id: { not: changedId } } });
  if (admins === 0) throw new AppError("conflict", "This would leave no active administrator");
}
