import { randomBytes } from "node:crypto";
import { db } from "@/lib/core/db";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { generateSecret } from "@/lib/auth/secret-tokens";
import { notifyInTransaction } from "@/lib/core/pg-listener";
import { refreshAgentAuthCache } from "@/lib/agents/agent-auth-cache";
import { agentConfigFor } from "@/lib/agents/agent-config";
import { assertBundlesExist } from "@/lib/agents/bundle-scope";
import { ensureFirstSigningKey } from "@/lib/bundles/signing-keys";
import { AGENT_TOKEN_PREFIX, CLIENT_ID_PREFIX, CLIENT_SECRET_PREFIX } from "@/lib/agents/agent-credential-format";
import type { TCreateAgentCredentialRequest } from "@/lib/agents/schemas";
import { type CreatedAgentCredential, toCredentialView, auditableCredential } from "@/lib/agents/agent-credential-view";

export async function createAgentCredential(options: {
  actor: Actor;
  input: TCreateAgentCredentialRequest;
  requestId?: string;
}): Promise<CreatedAgentCredential> {
  const { actor, input } = options;
  requirePermission(actor, "agent:manage");
  await assertBundlesExist(input.bundles);
  if (input.bundles.length > 0) await ensureFirstSigningKey(actor, options.requestId);
  const { secret, hash, display } = generateSecret(input.kind === "bearer" ? AGENT_TOKEN_PREFIX : CLIENT_SECRET_PREFIX);
  const clientId = input.kind === "oauth2" ? `${CLIENT_ID_PREFIX}_${randomBytes(12).toString("base64url")}` : null;
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  const created = await db.$transaction(async (tx) => {
    const row = await tx.agentCredential.create({
      data: {
        name: input.name,
        kind: input.kind,
        clientId,
        secretHash: hash,
        secretPrefix: display,
        bundles: input.bundles,
        mayReportStatus: input.mayReportStatus,
        mayUploadLogs: input.mayUploadLogs,
        expiresAt,
        createdById: actor.userId,
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "agent_credential.create",
      target: { type: "agent_credential", id: row.id },
      after: auditableCredential(row),
      requestId: options.requestId,
    });
    await notifyInTransaction(tx, "verdict_agent_credentials", `credential:${row.id}`);
    return row;
  });
  // This instance serves the new credential at once, even before its own NOTIFY arrives.
  await refreshAgentAuthCache();
  const opaConfig = await agentConfigFor({ credential: { ...created, clientId }, secret });
  return {
    credential: toCredentialView({ ...created, createdBy: { email: actor.email, name: actor.name } }),
    secret,
    opaConfig,
  };
}
