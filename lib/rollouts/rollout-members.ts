import { createHash } from "node:crypto";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Tx } from "@/lib/core/db";

/**
 * Where an agent falls in 0..9999, from its credential id: stable across rollouts and instances,
 * so a 5 % stage is always the same agents and a later stage only adds agents to it.
 */
export function bucketOf(credentialId: string): number {
  return createHash("sha256").update(credentialId).digest().readUInt32BE(0) % 10_000;
}

export function inStage(credentialId: string, percent: number): boolean {
  return bucketOf(credentialId) < percent * 100;
}

/**
 * The credentials a stage serves the canary to: credentials scoped to the bundle, live, and (with
 * a selector) with at least one agent whose last status report carries every selector label;
 * then the stage's share of them by bucketOf.
 */
export async function stageMembers(
  tx: Tx,
  rollout: { bundleName: string; selector: Record<string, string> | null; percent: number },
  now = new Date(),
): Promise<string[]> {
  const selector = rollout.selector && Object.keys(rollout.selector).length > 0 ? rollout.selector : null;
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT c.id::text AS id FROM agent_credentials c
    WHERE ${rollout.bundleName} = ANY(c.bundles)
      AND c.revoked_at IS NULL
      AND (c.expires_at IS NULL OR c.expires_at > ${now})
      ${
        selector
          ? Prisma.sql`AND EXISTS (SELECT 1 FROM agents a WHERE a.credential_id = c.id AND a.labels @> ${JSON.stringify(selector)}::jsonb)`
          : Prisma.empty
      }`;
  return rows
    .map((r) => r.id)
    .filter((id) => inStage(id, rollout.percent))
    .sort();
}
