import { z } from "zod";

// A change request carries items of several kinds; only policy versions exist today. A new kind
// (allowlist changes) adds a member to this union and a case in change-request-items.ts.
export const ZChangeRequestItemInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("policy_version"), policyVersionId: z.string().uuid() }),
  // A proposed allowlist change, made with POST /api/v1/allowlists/changes.
  z.object({ kind: z.literal("allowlist_change"), allowlistChangeSetId: z.string().uuid() }),
]);
export type TChangeRequestItemInput = z.infer<typeof ZChangeRequestItemInput>;

const ZItems = z.array(ZChangeRequestItemInput).min(1, "a change request needs at least one item").max(100);

export const ZCreateChangeRequestRequest = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(10_000).default(""),
  items: ZItems,
});
export type TCreateChangeRequestRequest = z.infer<typeof ZCreateChangeRequestRequest>;

export const ZUpdateChangeRequestRequest = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().max(10_000).optional(),
    items: ZItems.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "title, description or items is required");
export type TUpdateChangeRequestRequest = z.infer<typeof ZUpdateChangeRequestRequest>;

export const ZReviewVerdict = z.enum(["comment", "approve", "request_changes"]);

export const ZReviewRequest = z
  .object({ verdict: ZReviewVerdict, body: z.string().trim().max(10_000).default("") })
  .refine((v) => v.verdict === "approve" || v.body.length > 0, {
    message: "say what you are commenting on or what should change",
    path: ["body"],
  });
export type TReviewRequest = z.infer<typeof ZReviewRequest>;

export const ZPublishRequest = z.object({
  /** Admins only: publish although tests did not pass, with the reason recorded. */
  overrideReason: z.string().trim().min(10, "give a reason of at least 10 characters").max(2000).optional(),
});
export type TPublishRequest = z.infer<typeof ZPublishRequest>;

export const ZCloseRequest = z.object({ reason: z.string().trim().max(2000).default("") });

export const ZChangeRequestParams = z.object({ number: z.coerce.number().int().min(1).max(2_147_483_647) });

export const ZChangeRequestStatus = z.enum(["open", "changes_requested", "approved", "published", "closed"]);

export const ZListChangeRequestsQuery = z.object({
  status: z.union([ZChangeRequestStatus, z.literal("active"), z.literal("all")]).default("active"),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type TListChangeRequestsQuery = z.infer<typeof ZListChangeRequestsQuery>;
