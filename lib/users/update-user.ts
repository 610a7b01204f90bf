import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/passwords";
import type { TUpdateUserRequest } from "@/lib/users/schemas";
import { type UserView, toUserView, auditableUser, assertAnAdminRemains } from "@/lib/users/user-view";

export async function updateUser(options: {
  actor: Actor;
  id: string;
  input: TUpdateUserRequest;
  requestId?: string;
}): Promise<UserView> {
  const { actor, id, input } = options;
  requirePermission(actor, "user:manage");
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id } });
    if (!before) throw notFound("User");
    const disabledAt =
      input.disabled === undefined ? undefined : input.disabled ? (before.disabledAt ?? new Date()) : null;
    const after = await tx.user.update({
      where: { id },
      data: { name: input.name, roles: input.roles, disabledAt, passwordHash },
    });
    await assertAnAdminRemains(tx, id, after);
    await recordAuditEvent(tx, {
      actor,
      action: "user.update",
      target: { type: "user", id },
      before: auditableUser(before),
      after: { ...auditableUser(after), ...(passwordHash ? { passwordChanged: true } : {}) },
      requestId: options.requestId,
    });
    return toUserView(after);
  });
}
