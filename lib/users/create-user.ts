import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/passwords";
import type { TCreateUserRequest } from "@/lib/users/schemas";
import { type UserView, toUserView, auditableUser } from "@/lib/users/user-view";

export async function createUser(options: {
  actor: Actor;
  input: TCreateUserRequest;
  requestId?: string;
}): Promise<UserView> {
  const { actor, input } = options;
  requirePermission(actor, "user:manage");
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) {
      throw new AppError("conflict", `A user with email ${input.email} already exists`);
    }
    const user = await tx.user.create({
      data: { email: input.email, name: input.name, roles: input.roles, passwordHash },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "user.create",
      target: { type: "user", id: user.id },
      after: auditableUser(user),
      requestId: options.requestId,
    });
    return toUserView(user);
  });
}
