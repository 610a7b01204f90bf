import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { UsersAdmin } from "./users-admin";
import { listUsers } from "@/lib/users/list-users";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const actor = await requirePageActor("user:manage");
  const users = await listUsers({ actor });
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Users</h1>
          <p className="subtitle">
            People who sign in to Verdict and the roles they hold. Changes take effect on their next request.
          </p>
        </div>
      </div>
      <UsersAdmin users={users} selfId={actor.userId} />
    </div>
  );
}
