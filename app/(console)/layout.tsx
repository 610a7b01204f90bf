import { redirect } from "next/navigation";
import { sessionActor } from "@/lib/auth/resolve-actor";
import { can } from "@/lib/auth/actor";
import { NAV_ITEMS } from "./_components/nav-items";
import { SidebarNav } from "./_components/sidebar-nav";
import { Toaster } from "@/components/toaster";
import { DatabaseUnavailable } from "@/components/database-unavailable";
import { isDatabaseUnavailable } from "@/lib/http/problem";
import type { Actor } from "@/lib/auth/actor";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  let actor: Actor | null;
  try {
    actor = await sessionActor();
  } catch (error) {
    // Without the database there is no page to show: say so (server-rendered, reloading itself).
    if (isDatabaseUnavailable(error)) return <DatabaseUnavailable reloadSeconds={5} />;
    throw error;
  }
  if (!actor) redirect("/login");
  const items = NAV_ITEMS.filter((item) => can(actor, item.permission));
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <SidebarNav items={items} user={{ name: actor.name, email: actor.email, roles: actor.roles }} />
      <main className="main" id="content" tabIndex={-1}>
        {children}
      </main>
      <Toaster />
    </div>
  );
}
