import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { listAgentTokenKeys } from "@/lib/agents/agent-token-keys";
import { bundleNamesForCredentials } from "@/lib/agents/bundle-scope";
import { AgentCredentialsManager } from "./agent-credentials-manager";
import { TokenKeyCard } from "./token-key-card";
import { listAgentCredentials } from "@/lib/agents/list-agent-credentials";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Agent credentials" };

export default async function AgentCredentialsPage() {
  const actor = await requirePageActor("agent:manage");
  const [credentials, bundles, tokenKeys] = await Promise.all([
    listAgentCredentials({ actor }),
    bundleNamesForCredentials(),
    can(actor, "key:manage") ? listAgentTokenKeys({ actor }) : Promise.resolve(null),
  ]);
  return (
    <div className="page">
      <PageHeader title="Agent credentials">
        What OPA agents present to pull bundles, report status and upload decision logs. Secrets are shown once and
        stored hashed; a revoke stops every app instance from accepting the credential within a second.
      </PageHeader>
      <div className="stack">
        <AgentCredentialsManager credentials={credentials} bundles={bundles} />
        {tokenKeys ? <TokenKeyCard keys={tokenKeys} /> : null}
      </div>
    </div>
  );
}
