import { z } from "zod";
import { checkTrustDomainName } from "@/lib/allowlists/spiffe-id";
import { parseMethod, parsePathPattern } from "@/lib/allowlists/path-pattern";

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;
export const MAX_CHANGE_BODY_BYTES = MAX_IMPORT_BYTES + 64 * 1024;

export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const ZServiceName = z
  .string()
  .trim()
  .regex(
    SERVICE_NAME_PATTERN,
    "must be 1–63 characters: lower-case letters, digits, '.', '-' or '_', starting with a letter or digit",
  );

export const ZTrustDomain = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = checkTrustDomainName(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const ZTeam = z.string().trim().min(1, "is required").max(120);

export const ZCreateServiceRequest = z.object({
  name: ZServiceName,
  trustDomain: ZTrustDomain,
  ownerTeam: ZTeam,
  description: z.string().trim().max(2000).default(""),
});
export type TCreateServiceRequest = z.infer<typeof ZCreateServiceRequest>;

export const ZUpdateServiceRequest = z
  .object({ ownerTeam: ZTeam.optional(), description: z.string().trim().max(2000).optional() })
  .refine((v) => Object.keys(v).length > 0, "ownerTeam or description is required");
export type TUpdateServiceRequest = z.infer<typeof ZUpdateServiceRequest>;

export const ZMethod = z.string().transform((value, ctx) => {
  const parsed = parseMethod(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return parsed.value;
});

export const ZPathPattern = z.string().superRefine((value, ctx) => {
  const parsed = parsePathPattern(value);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error });
});

export const ZCreateEndpointRequest = z.object({
  method: ZMethod,
  path: ZPathPattern,
  description: z.string().trim().max(2000).default(""),
});
export type TCreateEndpointRequest = z.infer<typeof ZCreateEndpointRequest>;

/**
 * One grant as people and files write it. Fields are checked by the change planner (not here)
 * so that an import reports every problem of every row at once, with row numbers.
 */
export const ZEntrySpecInput = z.object({
  service: z.unknown().optional(),
  method: z.unknown().optional(),
  path: z.unknown().optional(),
  caller: z.unknown().optional(),
  owner: z.unknown().optional(),
  reason: z.unknown().optional(),
  expiresAt: z.unknown().optional(),
  crossTrustDomain: z.unknown().optional(),
});
export type TEntrySpecInput = z.infer<typeof ZEntrySpecInput>;

export const ZEntryKeyInput = z.object({
  service: z.unknown().optional(),
  method: z.unknown().optional(),
  path: z.unknown().optional(),
  caller: z.unknown().optional(),
});
export type TEntryKeyInput = z.infer<typeof ZEntryKeyInput>;

export const ZChangeMode = z.enum(["merge", "replace"]);
export type TChangeMode = z.infer<typeof ZChangeMode>;

export const ZAllowlistChangeRequest = z.object({
  upsert: z.array(ZEntrySpecInput).max(MAX_IMPORT_ROWS).default([]),
  remove: z.array(ZEntryKeyInput).max(MAX_IMPORT_ROWS).default([]),
  mode: ZChangeMode.default("merge"),
  dryRun: z.boolean().default(false),
  /** The change request's title and description (a title is made from the diff if omitted). */
  title: z.string().trim().min(1).max(200).optional(),
  description: z.string().trim().max(10_000).default(""),
  /** From a dry run: apply only if the plan is still exactly this one (else 409). */
  expectedPlanHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type TAllowlistChangeRequest = z.infer<typeof ZAllowlistChangeRequest>;

const ZBoolString = z.enum(["true", "false"]).transform((v) => v === "true");

export const ZImportQuery = z.object({
  format: z.enum(["csv", "json"]),
  mode: ZChangeMode.default("merge"),
  dryRun: ZBoolString.default(true),
  expectedPlanHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type TImportQuery = z.infer<typeof ZImportQuery>;

export const ZExportQuery = z.object({ format: z.enum(["csv", "json"]).default("json") });

export const ZServiceParams = z.object({ name: ZServiceName });
export const ZEndpointParams = z.object({ name: ZServiceName, endpointId: z.string().uuid() });
export const ZEntryParams = z.object({ id: z.string().uuid() });

export const ZCallerQuery = z.object({ id: z.string().trim().min(1).max(2048) });
export const ZCallerSearchQuery = z.object({
  prefix: z.string().trim().max(2048).default(""),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const ZExpiringQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(14) });
export const ZListServicesQuery = z.object({ q: z.string().trim().max(200).optional() });

export const ZUpdateEntryRequest = z
  .object({
    owner: z.string().optional(),
    reason: z.string().optional(),
    /** ISO 8601 date-time; null removes the expiry. */
    expiresAt: z.string().nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "owner, reason or expiresAt is required");
export type TUpdateEntryRequest = z.infer<typeof ZUpdateEntryRequest>;

export const ZCheckAccessRequest = z.object({
  caller: z.string().max(4096),
  service: z.string().max(200),
  method: z.string().max(32),
  path: z.string().max(8192),
});
