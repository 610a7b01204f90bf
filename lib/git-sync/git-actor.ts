import { db } from "@/lib/core/db";
import { can, type Actor } from "@/lib/auth/actor";

/** The user versions are recorded under when a commit's author is not a Verdict author. It cannot sign in. */
export const FROM_GIT_EMAIL = "from-git@verdict.invalid";

async function fromGitUser(): Promise<Actor> {
  const user = await db.user.upsert({
    where: { email: FROM_GIT_EMAIL },
    update: {},
    create: { email: FROM_GIT_EMAIL, name: "from git", roles: ["author"], disabledAt: new Date() },
  });
  return { type: "user", userId: user.id, email: user.email, name: user.name, roles: ["author"], via: "git" };
}

/**
 * Who a commit's versions are authored by: the Verdict user with the commit author's email, if
 * that user may write policies and submit them; else "from git". Never more than an author.
 */
export async function commitActor(authorEmail: string): Promise<Actor> {
  const user = authorEmail
    ? await db.user.findFirst({ where: { email: { equals: authorEmail, mode: "insensitive" }, disabledAt: null } })
    : null;
  if (user) {
    const actor: Actor = {
      type: "user",
      userId: user.id,
      email: user.email,
      name: user.name,
      roles: user.roles,
      via: "git",
    };
    if (can(actor, "policy:write") && can(actor, "change:submit")) return { ...actor, roles: ["author"] };
  }
  return fromGitUser();
}
