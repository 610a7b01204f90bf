import { stringify } from "yaml";
import type { AgentBundleSource } from "@/lib/distribution/target-agent-source";

/** What an OPA agent needs to pull, verify and report: turned into a ready-to-run config file. */
export type AgentConfigInput = {
  /** The Verdict URL agents reach, e.g. https://verdict.example.com (the API lives under /api/opa). */
  publicUrl: string;
  credential: { kind: "bearer"; token: string } | { kind: "oauth2"; clientId: string; clientSecret: string };
  bundles: string[];
  keys: Array<{ kid: string; algorithm: string; publicKeyPem: string }>;
  identityLabel: string;
  status: boolean;
  decisionLogs: boolean;
  longPollingSeconds?: number;
  /** Pull the bundles from a registry or bucket instead; status and decision logs still go to Verdict. */
  source?: AgentBundleSource;
};

export const SERVICE_NAME = "verdict";
export const SIGNATURE_SCOPE = "write";

export function opaServiceUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/opa`;
}

export function buildAgentConfig(input: AgentConfigInput): string {
  const serviceUrl = opaServiceUrl(input.publicUrl);
  const credentials =
    input.credential.kind === "bearer"
      ? { bearer: { token: input.credential.token } }
      : {
          oauth2: {
            // OPA insists on https here; put Verdict behind TLS for client-credential agents.
            token_url: `${serviceUrl}/token`,
            client_id: input.credential.clientId,
            client_secret: input.credential.clientSecret,
          },
        };
  const source = input.source;
  const config: Record<string, unknown> = {
    services: {
      [SERVICE_NAME]: { url: serviceUrl, credentials },
      ...(source ? { [source.serviceName]: source.service } : {}),
    },
    // OPA substitutes ${VAR} from its environment: a pod name is stable across container restarts.
    labels: { [input.identityLabel]: "${HOSTNAME}" },
  };
  if (input.keys.length > 0) {
    config.keys = Object.fromEntries(
      input.keys.map((k) => [k.kid, { algorithm: k.algorithm, key: k.publicKeyPem, scope: SIGNATURE_SCOPE }]),
    );
  }
  if (input.bundles.length > 0) {
    config.bundles = Object.fromEntries(
      input.bundles.map((name) => [
        name,
        {
          service: source?.serviceName ?? SERVICE_NAME,
          resource: source?.resource ?? `bundles/${name}`,
          // Registries and buckets answer at once: agents poll them, and long-poll only Verdict.
          polling: source
            ? { min_delay_seconds: 10, max_delay_seconds: 20 }
            : {
                min_delay_seconds: 10,
                max_delay_seconds: 20,
                long_polling_timeout_seconds: input.longPollingSeconds ?? 30,
              },
          // A signing block makes OPA refuse unsigned bundles; leaving out `keyid` lets it pick the
          // key by the JWS kid, so agents that list every key survive a rotation untouched.
          ...(input.keys.length > 0 ? { signing: { scope: SIGNATURE_SCOPE } } : {}),
        },
      ]),
    );
  }
  if (input.status) config.status = { service: SERVICE_NAME };
  if (input.decisionLogs)
    config.decision_logs = { service: SERVICE_NAME, reporting: { min_delay_seconds: 5, max_delay_seconds: 10 } };
  const yaml = stringify(config, { lineWidth: 0 });
  const notes = (source?.notes ?? []).map((n) => `# ${n}\n`).join("");
  return input.bundles.length > 0 && input.keys.length === 0
    ? `# No signing key exists yet, so OPA could not verify any bundle: generate one under Signing keys,\n# then copy this configuration again.\n${notes}${yaml}`
    : `${notes}${yaml}`;
}
