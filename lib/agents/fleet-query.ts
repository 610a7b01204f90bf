import { z } from "zod";
import { ZBundleName } from "@/lib/bundles/bundle-names";

// A GET form sends every field, filled or not: an empty value means "no filter".
const blankAsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blankAsUnset, schema.optional());
// Booleans too: a query parsed once (by a route or the page) is parsed again by the service.
const ZFlag = z.union([z.boolean(), z.enum(["1", "true", "0", "false"]).transform((v) => v === "1" || v === "true")]);
const ZRevision = z.string().trim().max(200);

/** `key=value`: agents whose OPA labels have that key with exactly that value. */
export const LABEL_FILTER_PATTERN = /^([^=\s]{1,100})=(.{0,500})$/;

/**
 * The fleet's filters, as the page's URL and the API's query string carry them. All given
 * filters must hold at once; `bundle` alone means "pulls this bundle", and with `revision` or
 * `notRevision` it narrows to agents on (or not on) that revision of it.
 */
export const ZFleetQuery = z
  .object({
    /** A part of the agent's identity, case-insensitive. */
    q: optional(z.string().trim().max(200)),
    bundle: optional(ZBundleName),
    revision: optional(ZRevision),
    notRevision: optional(ZRevision),
    /** With a bundle: agents not on the revision Verdict serves them (rollout-aware). */
    unassigned: optional(ZFlag),
    label: optional(z.string().regex(LABEL_FILTER_PATTERN, "must be key=value")),
    credential: optional(z.string().uuid()),
    stale: optional(ZFlag),
    failing: optional(ZFlag),
    /** Keyset cursors from a previous page: the page after `cursor`, or the page before `before`. */
    cursor: optional(z.string().max(400)),
    before: optional(z.string().max(400)),
    limit: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(200).default(50)),
  })
  .superRefine((q, ctx) => {
    if (q.notRevision && !q.bundle) ctx.addIssue({ code: "custom", path: ["notRevision"], message: "needs a bundle" });
    if (q.unassigned !== undefined && !q.bundle)
      ctx.addIssue({ code: "custom", path: ["unassigned"], message: "needs a bundle" });
    if (q.notRevision && q.revision)
      ctx.addIssue({ code: "custom", path: ["notRevision"], message: "cannot be combined with revision" });
    if (q.cursor && q.before)
      ctx.addIssue({ code: "custom", path: ["before"], message: "cannot be combined with cursor" });
  });
export type TFleetQuery = z.infer<typeof ZFleetQuery>;
export type TFleetQueryInput = z.input<typeof ZFleetQuery>;

/** The filter keys a page link carries (everything but the cursors). */
export const FLEET_FILTER_KEYS = [
  "q",
  "bundle",
  "revision",
  "notRevision",
  "unassigned",
  "label",
  "credential",
  "stale",
  "failing",
] as const;
