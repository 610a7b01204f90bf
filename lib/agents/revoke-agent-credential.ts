import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { notifyInTransaction } from "@/lib/core/pg-listener";
import { refreshAgentAuthCache } from "@/lib/agents/agent-auth-cache";
import { type AgentCredentialView, toCredentialView, auditableCredential } from "@/lib/agents/agent-credential-view";

/** Revokes at once on every instance: the NOTIFY makes each one drop the credential and its tokens. */
export async function revokeAgentCredential(options: {
  actor: Actor;
  id: string;
  requestId?: string;
}): Promise<AgentCredentialView> {
  const { actor, id } = options;
  requirePermission(actor, "agent:manage");
  const revoked = await db.$transaction(async (tx) => {
    const before = await tx.agentCredential.findUnique({ where: { id } });
    if (!before) throw notFound("Agent credential");
    if (before.revokedAt) return before;
    const after = await tx.agentCredential.update({ where: { id }, data: { revokedAt: new Date() } });
    await recordAuditEvent(tx, {
      actor,
      action: "agent_credential.revoke",
      target: { type: "agent_credential", id },
      before: auditableCredential(before),
      after: auditableCredential(after),
      requestId: options.requestId,
    });
    await notifyInTransaction(tx, "verdict_agent_credentials", `credential:${id}`);
    return after;
  });
  await refreshAgentAuthCache();
  return toCredentialView(revoked);
}
