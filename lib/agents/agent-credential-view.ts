import type { AgentCredentialKind } from "@/lib/generated/prisma/enums";

/** The fields of a credential, with its times as `T` (Date in rows, ISO strings in views). */
type CredentialFields<T> = {
  id: string;
  name: string;
  kind: AgentCredentialKind;
  clientId: string | null;
  secretPrefix: string;
  bundles: string[];
  mayReportStatus: boolean;
  mayUploadLogs: boolean;
  expiresAt: T | null;
  revokedAt: T | null;
  lastUsedAt: T | null;
  createdAt: T;
};

export type AgentCredentialView = CredentialFields<string> & { createdBy: { email: string; name: string } | null };

export type CreatedAgentCredential = {
  credential: AgentCredentialView;
  /** Shown once: the bearer token, or the OAuth2 client secret. Only its SHA-256 is stored. */
  secret: string;
  /** A ready-to-run OPA configuration with the secret filled in. */
  opaConfig: string;
};

type CredentialRow = CredentialFields<Date> & { createdBy?: { email: string; name: string } | null };

export function toCredentialView(r: CredentialRow): AgentCredentialView {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    clientId: r.clientId,
    secretPrefix: r.secretPrefix,
    bundles: r.bundles,
    mayReportStatus: r.mayReportStatus,
    mayUploadLogs: r.mayUploadLogs,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy ?? null,
  };
}

export function auditableCredential(r: CredentialRow) {
  return {
    name: r.name,
    kind: r.kind,
    clientId: r.clientId,
    bundles: r.bundles,
    mayReportStatus: r.mayReportStatus,
    mayUploadLogs: r.mayUploadLogs,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
  };
}
