import { notFound, redirect } from "next/navigation";
import { sessionActor } from "@/lib/auth/resolve-actor";
import { can, type Actor } from "@/lib/auth/actor";
import type { Permission } from "@/lib/auth/roles";

/** For server components: the signed-in person, who must hold the permission (else a 404 page). */
export async function requirePageActor(permission: Permission): Promise<Actor> {
  const actor = await sessionActor();
  if (!actor) redirect("/login");
  if (!can(actor, permission)) notFound();
  return actor;
}
