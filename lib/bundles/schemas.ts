import { z } from "zod";
import { ZBundleName } from "@/lib/bundles/bundle-names";
import { ROOT_PATTERN } from "@/lib/bundles/roots";

export { ZBundleName };

const ZRoot = z
  .string()
  .trim()
  .regex(ROOT_PATTERN, "must be a slash-separated data path such as payments or httpapi/rbac");
const ZRoots = z
  .array(ZRoot)
  .min(1, "a bundle needs at least one root")
  .max(20)
  .refine((r) => new Set(r).size === r.length, "roots must be unique");
const ZPolicyIds = z
  .array(z.string().uuid())
  .max(500)
  .refine((p) => new Set(p).size === p.length, "policies must be unique");

export const ZCreateBundleRequest = z.object({
  name: ZBundleName,
  description: z.string().trim().max(2000).default(""),
  roots: ZRoots,
  policyIds: ZPolicyIds.default([]),
});
export type TCreateBundleRequest = z.infer<typeof ZCreateBundleRequest>;

export const ZUpdateBundleRequest = z
  .object({
    description: z.string().trim().max(2000).optional(),
    roots: ZRoots.optional(),
    policyIds: ZPolicyIds.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "description, roots or policyIds is required");
export type TUpdateBundleRequest = z.infer<typeof ZUpdateBundleRequest>;

export const ZBundleParams = z.object({ name: ZBundleName });
export const ZRevisionParams = z.object({
  name: ZBundleName,
  number: z.coerce.number().int().min(1).max(2_147_483_647),
});

export const ZListRevisionsQuery = z.object({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type TListRevisionsQuery = z.infer<typeof ZListRevisionsQuery>;

export const ZRollbackRequest = z.object({
  toRevision: z.number().int().min(1),
  reason: z.string().trim().min(3).max(2000),
});
export type TRollbackRequest = z.infer<typeof ZRollbackRequest>;

export const ZSigningAlgorithm = z.enum(["RS256", "ES256"]);

export const ZCreateSigningKeyRequest = z.discriminatedUnion("source", [
  z.object({ source: z.literal("generate"), algorithm: ZSigningAlgorithm, activate: z.boolean().default(false) }),
  z.object({
    source: z.literal("import"),
    privateKeyPem: z.string().min(100).max(16_384),
    activate: z.boolean().default(false),
  }),
]);
export type TCreateSigningKeyRequest = z.infer<typeof ZCreateSigningKeyRequest>;

export const ZSigningKeyParams = z.object({ id: z.string().uuid() });
export const ZRetireSigningKeyRequest = z.object({ reason: z.string().trim().min(3).max(500) });
export const ZActivateSigningKeyRequest = z.object({ reason: z.string().trim().min(3).max(500) });
