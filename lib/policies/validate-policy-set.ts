import { AppError } from "@/lib/core/errors";
import { validatePolicySource } from "@/lib/policies/validate-policy-source";
import { referenceCandidates } from "@/lib/policy-tests/policy-references";
import { policyFilePath } from "@/lib/rego/policy-module";
import type { RegoVersion } from "@/lib/rego/rego-version";

export type ProposedModule = { packagePath: string; source: string; regoVersion: RegoVersion };

/**
 * Validates modules saved together (one git commit): each as the editor would, with references
 * resolved among the others of the set first and every other policy's head after. The first
 * refusal is thrown, prefixed with its package.
 */
export async function validatePolicySet(modules: ProposedModule[]): Promise<void> {
  const inSet = new Set(modules.map((m) => m.packagePath));
  const candidates = [
    ...(await referenceCandidates()).filter((c) => !inSet.has(c.packagePath)),
    ...modules.map((m) => ({ ...m, path: policyFilePath(m.packagePath) })),
  ];
  for (const m of modules) {
    await validatePolicySource(m.packagePath, m.source, m.regoVersion, candidates).catch((error: unknown) => {
      if (error instanceof AppError) throw new AppError(error.code, `${m.packagePath}: ${error.message}`, error);
      throw error;
    });
  }
}
