import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createBundle } from "@/lib/bundles/create-bundle";

/**
 * Demo data on a fresh installation: one bundle, "main", shipping the sample policies and the
 * caller-allowlist policy (verdict.authz, with the allowlists as data under verdict/) once approved.
 */
export async function seedDemoBundle(admin: Actor, log: (line: string) => void): Promise<void> {
  if ((await db.bundle.count()) > 0) return;
  const policies = await db.policy.findMany({
    where: { packagePath: { in: ["httpapi.rbac", "kubernetes.admission", "payments.authz", "verdict.authz"] } },
    select: { id: true },
  });
  await createBundle({
    actor: admin,
    input: {
      name: "main",
      description: "Sample bundle: every sample policy",
      roots: ["httpapi", "kubernetes", "payments", "verdict"],
      policyIds: policies.map((p) => p.id),
    },
  });
  log('created the sample bundle "main" (submit and approve a change request to publish it)');
}
