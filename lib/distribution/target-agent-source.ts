import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import type { DistributionTarget } from "@/lib/generated/prisma/client";

/** Where an agent's bundle plugin pulls from instead of Verdict: one extra service and a resource. */
export type AgentBundleSource = {
  serviceName: string;
  service: Record<string, unknown>;
  resource: string;
  /** Lines for the top of the config: what the agent's environment must provide. */
  notes: string[];
};

type TargetRow = Pick<DistributionTarget, "name" | "kind" | "url" | "location" | "reference" | "region" | "auth">;

/**
 * The OPA service and bundle resource for agents that pull from a target. Agents never get
 * Verdict's own upload credentials: the config names environment variables for read-only ones.
 * - A registry is an OPA service of `type: oci`; the resource is the full reference
 *   `host[:port]/repository:tag`. For an OCI service OPA base64-encodes `bearer.token` itself
 *   before sending it, so basic credentials are the plain `<user>:<password>` with scheme Basic.
 * - A bucket is addressed path-style (`<endpoint>/<bucket>` as the service URL, the key as the
 *   resource) and signed with SigV4 from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION.
 */
export function targetAgentSource(target: TargetRow): AgentBundleSource {
  if (target.kind === "oci") {
    const credentials =
      target.auth === "basic"
        ? { bearer: { scheme: "Basic", token: "${VERDICT_REGISTRY_CREDENTIALS}" } }
        : target.auth === "bearer"
          ? { bearer: { token: "${VERDICT_REGISTRY_TOKEN}" } }
          : undefined;
    return {
      serviceName: `oci-${target.name}`,
      service: { url: target.url, type: "oci", ...(credentials ? { credentials } : {}) },
      resource: `${new URL(target.url).host}/${target.location}:${target.reference}`,
      notes:
        target.auth === "basic"
          ? ["VERDICT_REGISTRY_CREDENTIALS: <user>:<password> of a pull-only registry account (OPA encodes it)."]
          : target.auth === "bearer"
            ? ["VERDICT_REGISTRY_TOKEN: a pull-only registry token (OPA base64-encodes it for OCI services)."]
            : [],
    };
  }
  return {
    serviceName: `s3-${target.name}`,
    service: { url: `${target.url}/${target.location}`, credentials: { s3_signing: { environment_credentials: {} } } },
    resource: target.reference,
    notes: [
      `AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: a read-only key for ${target.location}; AWS_REGION=${target.region ?? "us-east-1"}.`,
    ],
  };
}

export async function agentSourceOrThrow(bundleName: string, targetName: string): Promise<AgentBundleSource> {
  const target = await db.distributionTarget.findFirst({
    where: { name: targetName, bundle: { name: bundleName } },
  });
  if (!target) throw notFound("Distribution target");
  return targetAgentSource(target);
}
