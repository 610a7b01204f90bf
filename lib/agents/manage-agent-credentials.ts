import { randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import { notFound } from "@/lib/http/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { generateSecret } from "@/lib/auth/secret-tokens";
import { notifyInTransaction } from "@/lib/realtime/pg-listener";
import { refreshAgentAuthCache } from "@/lib/agents/agent-auth-cache";
import { agentConfigFor } from "@/lib/agents/agent-config";
import { assertBundlesExist } from "@/lib/agents/bundle-scope";
import { ensureFirstSigningKey } from "@/lib/bundles/signing-keys";
import { AGENT_TOKEN_PREFIX, CLIENT_ID_PREFIX, CLIENT_SECRET_PREFIX } from "@/lib/agents/agent-credential-format";
import type { AgentCredentialKind } from "@/lib/generated/prisma/enums";
import type { TCreateAgentCredentialRequest } from "@/lib/agents/schemas";


export type AgentCredentialView = {
  id: string;
  name: string;
  kind: AgentCredentialKind;
  clientId: string | null;
  secretPrefix: string;
  bundles: string[];
  mayReportStatus: boolean;
  mayUploadLogs: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  createdBy: { email: string; name: string } | null;
};

export type CreatedAgentCredential = {
  credential: AgentCredentialView;
  /** Shown once: the bearer token, or the OAuth2 client secret. Only its SHA-256 is stored. */
  secret: string;
  /** A ready-to-run OPA configuration with the secret filled in. */
  opaConfig: string;
};

type Row = {
  id: string; name: string; kind: AgentCredentialKind; clientId: string | null; secretPrefix: string; bundles: string[];
  mayReportStatus: boolean; mayUploadLogs: boolean; expiresAt: Date | null; revokedAt: Date | null; lastUsedAt: Date | null;
  createdAt: Date; createdBy?: { email: string; name: string } | null;
};

function toView(r: Row): AgentCredentialView {
  return {
    id: r.id, name: r.name, kind: r.kind, clientId: r.clientId, secretPrefix: r.secretPrefix, bundles: r.bundles,
    mayReportStatus: r.mayReportStatus, mayUploadLogs: r.mayUploadLogs, expiresAt: r.expiresAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null, lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(), createdBy: r.createdBy ?? null,
  };
}

function auditable(r: Row) {
  return {
    name: r.name, kind: r.kind, clientId: r.clientId, bundles: r.bundles, mayReportStatus: r.mayReportStatus,
    mayUploadLogs: r.mayUploadLogs, expiresAt: r.expiresAt, revokedAt: r.revokedAt,
  };
}

export async function createAgentCredential(options: { actor: Actor; input: TCreateAgentCredentialRequest; requestId?: string }): Promise<CreatedAgentCredential> {
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
        name: input.name, kind: input.kind, clientId, secretHash: hash, secretPrefix: display, bundles: input.bundles,
        mayReportStatus: input.mayReportStatus, mayUploadLogs: input.mayUploadLogs, expiresAt, createdById: actor.userId,
      },
    });
    await recordAuditEvent(tx, { actor, action: "agent_credential.create", target: { type: "agent_credential", id: row.id }, after: auditable(row), requestId: options.requestId });
    await notifyInTransaction(tx, "verdict_agent_credentials", `credential:${row.id}`);
    return row;
  });
  // This instance serves the new credential at once, even before its own NOTIFY arrives.
  await refreshAgentAuthCache();
  const opaConfig = await agentConfigFor({ credential: { ...created, clientId }, secret });
  return { credential: toView({ ...created, createdBy: { email: actor.email, name: actor.name } }), secret, opaConfig };
}

export async function listAgentCredentials(options: { actor: Actor }): Promise<AgentCredentialView[]> {
  requirePermission(options.actor, "agent:manage");
  const rows = await db.agentCredential.findMany({
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    include: { createdBy: { select: { email: true, name: true } } },
  });
  return rows.map(toView);
}

/** Revokes at once on every instance: the NOTIFY makes each one drop the credential and its tokens. */
export async function revokeAgentCredential(options: { actor: Actor; id: string; requestId?: string }): Promise<AgentCredentialView> {
  const { actor, id } = options;
  requirePermission(actor, "agent:manage");
  const revoked = await db.$transaction(async (tx) => {
    const before = await tx.agentCredential.findUnique({ where: { id } });
    if (!before) throw notFound("Agent credential");
    if (before.revokedAt) return before;
    const after = await tx.agentCredential.update({ where: { id }, data: { revokedAt: new Date() } });
    await recordAuditEvent(tx, { actor, action: "agent_credential.revoke", target: { type: "agent_credential", id }, before: auditable(before), after: auditable(after), requestId: options.requestId });
    await notifyInTransaction(tx, "verdict_agent_credentials", `credential:${id}`);
    return after;
  });
  await refreshAgentAuthCache();
  return toView(revoked);
}
