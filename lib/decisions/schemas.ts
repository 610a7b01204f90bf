import { z } from "zod";

// ── ingestion: OPA's EventV1 (docs/opa-protocol.md §5) ──

const ZJsonObject = z.record(z.string(), z.unknown());

/**
 * One decision event as OPA uploads it. Only labels, decision_id and timestamp are always present;
 * every other field is omitted when empty (a missing `result` means the decision was undefined).
 * Unknown fields (newer OPA versions, Enterprise OPA) are accepted and kept: the rows are built from
 * the event itself (its `extra` column), not from the parser's output, so the schema need not pass
 * them through.
 */
export const ZDecisionEvent = z.object({
  decision_id: z.string().min(1, "must not be empty").max(256),
  timestamp: z.string().max(64),
  labels: z.record(z.string(), z.string()),
  path: z.string().max(1024).optional(),
  input: z.unknown().optional(),
  result: z.unknown().optional(),
  bundles: z.record(z.string().max(256), z.looseObject({ revision: z.string().max(256).optional() })).optional(),
  revision: z.string().max(256).optional(),
  requested_by: z.string().max(1024).optional(),
  req_id: z.number().optional(),
  metrics: ZJsonObject.optional(),
  erased: z.array(z.string()).optional(),
  masked: z.array(z.string()).optional(),
  query: z.string().optional(),
  error: z.unknown().optional(),
});
export type TDecisionEvent = z.infer<typeof ZDecisionEvent>;

// ── auditor queries ──

export const OUTCOMES = ["allowed", "denied", "other"] as const;
export type Outcome = (typeof OUTCOMES)[number];

const ZOptionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

const FILTER_FIELDS = {
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  outcome: z.enum(OUTCOMES).optional(),
  path: ZOptionalText(1024),
  caller: ZOptionalText(2048),
  agent: ZOptionalText(256),
  revision: ZOptionalText(256),
  decisionId: ZOptionalText(256),
  unpublished: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true")),
  /** A JSON path match on the input or result, e.g. input.method = "DELETE" (see match-expression.ts). */
  match: ZOptionalText(1000),
};

// Query strings come from GET forms too, where an untouched field arrives as "".
const dropEmpty = (value: unknown) =>
  value && typeof value === "object"
    ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== "" && v !== undefined))
    : value;

const ZFilterObject = z.object(FILTER_FIELDS);
const rangeInOrder = (f: { from?: Date; to?: Date }) => !f.from || !f.to || f.from < f.to;
const RANGE_MESSAGE = { message: "must be before to", path: ["from"] };

/** The decisions page filter, shared by the list, the stats, the export and live tail. */
export const ZDecisionFilter = z.preprocess(dropEmpty, ZFilterObject.refine(rangeInOrder, RANGE_MESSAGE));
export type TDecisionFilter = z.infer<typeof ZDecisionFilter>;

export const ZListDecisionsQuery = z.preprocess(
  dropEmpty,
  ZFilterObject.extend({
    cursor: z.string().max(400).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  }).refine(rangeInOrder, RANGE_MESSAGE),
);
export type TListDecisionsQuery = z.infer<typeof ZListDecisionsQuery>;

export const ZTailDecisionsQuery = z.preprocess(
  dropEmpty,
  ZFilterObject.extend({
    /** The watermark of the previous poll: decisions received since then. */
    since: z.coerce.date().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  }).refine(rangeInOrder, RANGE_MESSAGE),
);
export type TTailDecisionsQuery = z.infer<typeof ZTailDecisionsQuery>;

export const EXPORT_FORMATS = ["csv", "ndjson"] as const;
export const ZExportDecisionsQuery = z.preprocess(
  dropEmpty,
  ZFilterObject.extend({ format: z.enum(EXPORT_FORMATS) }).refine(rangeInOrder, RANGE_MESSAGE),
);
export type TExportDecisionsQuery = z.infer<typeof ZExportDecisionsQuery>;

export const ZDecisionParams = z.object({ decisionId: z.string().min(1).max(256) });
export const ZDecisionDetailQuery = z.object({ at: z.string().max(64).optional() });

export const ZReplayDecisionRequest = z.object({
  at: z.string().max(64).optional(),
  /** "current" (the head version of every policy) or a published bundle revision id. */
  against: z.string().min(1).max(256).default("current"),
});
export type TReplayDecisionRequest = z.infer<typeof ZReplayDecisionRequest>;

export const ZImpactQuery = z.preprocess(
  dropEmpty,
  z.object({
    windowDays: z.coerce.number().int().min(1).max(365).optional(),
    cap: z.coerce.number().int().min(10).max(20_000).optional(),
  }),
);
export type TImpactQuery = z.infer<typeof ZImpactQuery>;
