import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { type AgentCredentialView, toCredentialView } from "@/lib/agents/agent-credential-view";

export async function listAgentCredentials(options: { actor: Actor }): Promise<AgentCredentialView[]> {
  requirePermission(options.actor, "agent:manage");
  const rows = await db.agentCredential.findMany({
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    include: { createdBy: { select: { email: true, name: true } } },
  });
  return rows.map(toCredentialView);
}
