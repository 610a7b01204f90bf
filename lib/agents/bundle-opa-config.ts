import { env } from "@/lib/core/env";
import { notFound } from "@/lib/core/errors";
import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { buildAgentConfig } from "@/lib/agents/opa-config";
import { listedPublicKeys } from "@/lib/bundles/signing-keys";
import { agentSourceOrThrow } from "@/lib/distribution/target-agent-source";

/**
 * A copy-paste OPA config for agents of one bundle: every listed public key (so a key rotation
 * needs no agent change), the bundle with long polling (or from one of its distribution targets),
 * status and decision logs. The credential
 * is an ${ENV} placeholder; create a credential under Agent credentials for the real secret.
 */
export async function bundleAgentConfig(options: {
  actor: Actor;
  name: string;
  kind: "bearer" | "oauth2";
  /** A distribution target of the bundle to pull from instead of Verdict. */
  target?: string;
}): Promise<string> {
  requirePermission(options.actor, "bundle:read");
  const bundle = await db.bundle.findUnique({ where: { name: options.name }, select: { name: true } });
  if (!bundle) throw notFound("Bundle");
  return buildAgentConfig({
    publicUrl: env().VERDICT_PUBLIC_URL,
    credential:
      options.kind === "bearer"
        ? { kind: "bearer", token: "${VERDICT_AGENT_TOKEN}" }
        : { kind: "oauth2", clientId: "${VERDICT_CLIENT_ID}", clientSecret: "${VERDICT_CLIENT_SECRET}" },
    bundles: [bundle.name],
    keys: await listedPublicKeys(),
    identityLabel: env().VERDICT_AGENT_IDENTITY_LABEL,
    status: true,
    decisionLogs: true,
    source: options.target ? await agentSourceOrThrow(bundle.name, options.target) : undefined,
  });
}
