import { z } from "zod";
import { MAX_MODULE_BYTES } from "@/lib/rego/policy-module";
import { canonicalPackage, parsePackageRef } from "@/lib/rego/rego-package";
import { REGO_VERSIONS } from "@/lib/rego/rego-version";
import { ZTestCases, ZTestSource } from "@/lib/policy-tests/schemas";

// The body may carry a full-size module, its test module and cases, plus JSON escaping overhead.
export const MAX_POLICY_BODY_BYTES = 6 * MAX_MODULE_BYTES + 64 * 1024;

/**
 * A package name as OPA accepts it (`payments.authz`, `K8sBlockWildcardIngress`, `a["b-c"].d`),
 * stored in its canonical spelling (lib/rego/rego-package.ts).
 */
export const ZPackagePath = z
  .string()
  .trim()
  .max(200)
  .transform((text, ctx) => {
    const parsed = parsePackageRef(text);
    if (!parsed.ok) {
      ctx.addIssue({
        code: "custom",
        message: `must be a Rego package name such as payments.authz or a["b-c"].d (${parsed.reason})`,
      });
      return z.NEVER;
    }
    if (parsed.segments[0] === "system") {
      ctx.addIssue({ code: "custom", message: "the system package is reserved by OPA" });
      return z.NEVER;
    }
    return canonicalPackage(parsed.segments);
  });

const ZSource = z.string().min(1, "must not be empty");
/** "v0" keeps the module (and its _test.rego module) in Rego v0; see lib/rego/rego-version.ts. */
export const ZRegoVersion = z.enum(REGO_VERSIONS);
const ZMessage = z.string().trim().max(2000).default("");

export const ZCreatePolicyRequest = z.object({
  name: z.string().trim().min(1).max(120),
  packagePath: ZPackagePath,
  description: z.string().trim().max(4000).default(""),
  owner: z.string().trim().min(1).max(120),
  source: ZSource,
  message: ZMessage,
  /** The `_test.rego` module and table-driven cases saved with the version (see lib/policy-tests). */
  testSource: ZTestSource.optional(),
  testCases: ZTestCases.optional(),
  regoVersion: ZRegoVersion.optional(),
});
export type TCreatePolicyRequest = z.infer<typeof ZCreatePolicyRequest>;

export const ZSavePolicyVersionRequest = z.object({
  source: ZSource,
  message: ZMessage,
  /** The version number the editor started from; a different head means someone else saved first. */
  expectedVersion: z.number().int().min(1),
  /** Omitted: the head version's tests are carried over unchanged. */
  testSource: ZTestSource.optional(),
  testCases: ZTestCases.optional(),
  /** Omitted: the head version's Rego version is carried over. */
  regoVersion: ZRegoVersion.optional(),
});
export type TSavePolicyVersionRequest = z.infer<typeof ZSavePolicyVersionRequest>;

export const ZRestorePolicyVersionRequest = z.object({
  expectedVersion: z.number().int().min(1),
  message: ZMessage,
});
export type TRestorePolicyVersionRequest = z.infer<typeof ZRestorePolicyVersionRequest>;

export const ZUpdatePolicyRequest = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(4000).optional(),
    owner: z.string().trim().min(1).max(120).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "name, description or owner is required");
export type TUpdatePolicyRequest = z.infer<typeof ZUpdatePolicyRequest>;

export const ZListPoliciesQuery = z.object({
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type TListPoliciesQuery = z.infer<typeof ZListPoliciesQuery>;

export const ZPolicyParams = z.object({ id: z.string().uuid() });
export const ZPolicyVersionParams = z.object({
  id: z.string().uuid(),
  number: z.coerce.number().int().min(1).max(2_147_483_647),
});

export const ZRegoSourceRequest = z.object({
  source: ZSource,
  fileName: z.string().max(200).optional(),
  regoVersion: ZRegoVersion.optional(),
});
export type TRegoSourceRequest = z.infer<typeof ZRegoSourceRequest>;
