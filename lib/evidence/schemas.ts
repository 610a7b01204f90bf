import { z } from "zod";

const ZMoment = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), { message: "must be a date and time" });

export const ZStateAtQuery = z.object({ at: ZMoment });
export type TStateAtQuery = z.infer<typeof ZStateAtQuery>;

export const ZStateDiffQuery = z
  .object({ from: ZMoment, to: ZMoment })
  .refine((q) => q.from.getTime() !== q.to.getTime(), { message: "must differ from to", path: ["from"] });
export type TStateDiffQuery = z.infer<typeof ZStateDiffQuery>;

const ZText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

/** An evidence pack's scope: a time range, bundles (all when none), and an optional decision filter. */
export const ZEvidencePackQuery = z
  .preprocess(
    (value) =>
      value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== "" && v !== undefined))
        : value,
    z.object({
      from: ZMoment,
      to: ZMoment.optional(),
      bundles: z
        .string()
        .max(2000)
        .optional()
        .transform((v) => (v ? [...new Set(v.split(",").map((b) => b.trim()))].filter(Boolean) : [])),
      outcome: z.enum(["allowed", "denied", "other"]).optional(),
      path: ZText(1024),
      caller: ZText(2048),
      agent: ZText(256),
      match: ZText(1000),
      /** "all" decisions in scope, or at most this many (the newest). */
      decisions: z.union([z.literal("all"), z.coerce.number().int().min(0).max(10_000_000)]).default("all"),
      /** How many of the included decisions verify.sh re-evaluates. */
      replay: z.coerce.number().int().min(0).max(1_000).default(100),
    }),
  )
  .refine((q) => !q.to || q.from < q.to, { message: "must be before to", path: ["from"] });
export type TEvidencePackQuery = z.infer<typeof ZEvidencePackQuery>;
