import { env } from "@/lib/core/env";

/**
 * Which agent a status report or decision came from: the label named by VERDICT_AGENT_IDENTITY_LABEL
 * when the agent sets it (stable across restarts), else OPA's per-process id.
 */
export function agentIdentity(labels: Record<string, string>): { identity: string; identitySource: "label" | "id" } {
  const configured = labels[env().VERDICT_AGENT_IDENTITY_LABEL]?.trim();
  return configured
    ? { identity: configured, identitySource: "label" }
    : { identity: `id:${labels.id}`, identitySource: "id" };
}
