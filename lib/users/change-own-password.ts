import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { hashPassword, verifyPassword } from "@/lib/auth/passwords";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { TChangePasswordRequest } from "@/lib/users/schemas";

/** A person changes their own password; they must prove the current one, and tokens cannot do it. */
export async function changeOwnPassword(options: {
  actor: Actor;
  input: TChangePasswordRequest;
  requestId?: string;
}): Promise<void> {
  const { actor, input } = options;
  requirePermission(actor, "token:self");
  if (actor.via !== "session")
    throw new AppError("forbidden", "Passwords can only be changed from a signed-in browser session");
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.userId } });
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new AppError("unprocessable", "The current password is not right", {
      fieldErrors: [{ path: "body.currentPassword", message: "is not right" }],
    });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await recordAuditEvent(tx, {
      actor,
      action: "user.password.change",
      target: { type: "user", id: user.id },
      after: { passwordChanged: true },
      requestId: options.requestId,
    });
  });
}
