import { AppError } from "@/lib/core/errors";
import { hasPermission, type Permission, type Role } from "@/lib/auth/roles";

/**
 * Who is acting: a person through the browser, automation through one of their API tokens, or a
 * git commit taken in by a git link (as its author, or as the "from git" user).
 */
export type Actor = {
  type: "user";
  userId: string;
  email: string;
  name: string;
  roles: Role[];
  via: "session" | "token" | "git";
  tokenId?: string;
};

/** The identity recorded for work the system does by itself (seed, scheduled jobs). */
export type SystemActor = { type: "system"; label: string };

export type AuditActor = Actor | SystemActor;

export function can(actor: Actor, permission: Permission): boolean {
  return hasPermission(actor.roles, permission);
}

export function requirePermission(actor: Actor | null | undefined, permission: Permission): asserts actor is Actor {
  if (!actor) throw new AppError("unauthenticated", "Sign in or send an API token");
  if (!can(actor, permission)) throw new AppError("forbidden", `This needs the ${permission} permission`);
}
