import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { TokensManager } from "./tokens-manager";
import { listApiTokens } from "@/lib/users/list-api-tokens";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  const actor = await requirePageActor("token:self");
  const tokens = await listApiTokens({ actor });
  return (
    <div className="page">
      <PageHeader title="API tokens">
        For automation (CI, GitOps). A token acts as you, limited to the roles you give it, and expires.
      </PageHeader>
      <TokensManager tokens={tokens} myRoles={actor.roles} selfId={actor.userId} seesAll={can(actor, "user:manage")} />
    </div>
  );
}
