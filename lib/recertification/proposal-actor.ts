import { db } from "@/lib/core/db";
import { can, type Actor } from "@/lib/auth/actor";

/** The author of change requests that a grant's owner asked for but may not submit themselves. It cannot sign in. */
export const RECERTIFICATION_EMAIL = "recertification@verdict.invalid";

/**
 * Who submits the change request a narrow or revoke decision makes: the decider when they may
 * propose allowlist changes, else the "recertification" user (an author, never more). Either way
 * the change request waits for someone else's approval and a publish, like every allowlist change.
 */
export async function proposalActor(decider: Actor): Promise<Actor> {
  if (can(decider, "allowlist:write") && can(decider, "change:submit")) return decider;
  const user = await db.user.upsert({
    where: { email: RECERTIFICATION_EMAIL },
    update: {},
    create: { email: RECERTIFICATION_EMAIL, name: "recertification", roles: ["author"], disabledAt: new Date() },
  });
  return { type: "user", userId: user.id, email: user.email, name: user.name, roles: ["author"], via: "session" };
}

/** A person owns a grant when its owner is their email (owners may also be teams; then an admin decides). */
export function ownsGrant(actor: Actor, owner: string): boolean {
  return owner.trim().toLowerCase() === actor.email.toLowerCase();
}

export function mayDecide(actor: Actor, owner: string): boolean {
  return ownsGrant(actor, owner) || can(actor, "recertification:manage");
}
