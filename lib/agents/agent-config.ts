import { env } from "@/lib/core/env";
import { buildAgentConfig } from "@/lib/agents/opa-config";
import { listedPublicKeys } from "@/lib/agents/bundle-scope";

type CredentialForConfig = {
  kind: "bearer" | "oauth2";
  clientId: string | null;
  bundles: string[];
  mayReportStatus: boolean;
  mayUploadLogs: boolean;
};

/**
 * The OPA configuration for an agent using this credential. With `secret` it is the ready-to-run
 * file shown once at creation; without, the secret is an ${ENV} placeholder OPA fills in at start.
 */
export async function agentConfigFor(options: { credential: CredentialForConfig; secret?: string }): Promise<string> {
  const { credential } = options;
  const secret =
    options.secret ?? (credential.kind === "bearer" ? "${VERDICT_AGENT_TOKEN}" : "${VERDICT_CLIENT_SECRET}");
  return buildAgentConfig({
    publicUrl: env().VERDICT_PUBLIC_URL,
    credential:
      credential.kind === "bearer"
        ? { kind: "bearer", token: secret }
        : { kind: "oauth2", clientId: credential.clientId ?? "", clientSecret: secret },
    bundles: credential.bundles,
    keys: await listedPublicKeys(),
    identityLabel: env().VERDICT_AGENT_IDENTITY_LABEL,
    status: credential.mayReportStatus,
    decisionLogs: credential.mayUploadLogs,
  });
}
