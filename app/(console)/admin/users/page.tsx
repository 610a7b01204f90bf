import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { UsersAdmin } from "./users-admin";
import { listUsers } from "@/lib/users/list-users";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const actor = await requirePageActor("user:manage");
  const users = await listUsers({ actor });
  return (
    <div className="page">
      <PageHeader title="Users">
        People who sign in to Verdict and the roles they hold. Changes take effect on their next request.
      </PageHeader>
      <UsersAdmin users={users} selfId={actor.userId} />
    </div>
  );
}
