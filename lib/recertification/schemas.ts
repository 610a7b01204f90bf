import { z } from "zod";
import { ZServiceName } from "@/lib/allowlists/schemas";

export const MAX_UNUSED_DAYS = 365;

export const ZCampaignScope = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("all") }),
  z.strictObject({ kind: z.literal("service"), service: ZServiceName }),
  z.strictObject({ kind: z.literal("owner"), owner: z.string().trim().min(1).max(120) }),
]);
export type TCampaignScope = z.infer<typeof ZCampaignScope>;

export const ZStartCampaignRequest = z.strictObject({
  title: z.string().trim().min(1).max(200),
  scope: ZCampaignScope.default({ kind: "all" }),
  /** A grant with no allowed request in this many days is proposed for removal. */
  unusedDays: z.number().int().min(1).max(MAX_UNUSED_DAYS).default(90),
  /** ISO 8601 date-time (or a bare date, meaning 00:00 UTC); must lie ahead. */
  dueAt: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/, "must be an ISO 8601 date")
    .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v))
    .refine((d) => !Number.isNaN(d.getTime()), "is not a real date"),
});
export type TStartCampaignRequest = z.input<typeof ZStartCampaignRequest>;

export const ZDecideItemRequest = z.strictObject({
  decision: z.enum(["keep", "narrow", "revoke"]),
  note: z.string().trim().max(2000).default(""),
});
export type TDecideItemRequest = z.input<typeof ZDecideItemRequest>;

export const ZCampaignParams = z.object({ number: z.coerce.number().int().min(1).max(2_147_483_647) });
export const ZItemParams = ZCampaignParams.extend({ itemId: z.string().uuid() });
export const ZNoticeParams = z.object({ id: z.string().uuid() });

export const ZItemsQuery = z.object({
  mine: z.enum(["true", "false"]).default("false"),
  state: z.enum(["all", "pending", "decided"]).default("all"),
});

export const ZReportQuery = z.object({ format: z.enum(["csv", "json"]).default("csv") });

export const ZOverWideQuery = z.object({
  service: ZServiceName,
  days: z.coerce.number().int().min(1).max(MAX_UNUSED_DAYS).default(30),
});

export const ZProposeNarrowingRequest = z.strictObject({
  entryId: z.string().uuid(),
  days: z.number().int().min(1).max(MAX_UNUSED_DAYS).default(30),
});
