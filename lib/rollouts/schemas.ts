import { z } from "zod";
import { ZBundleName } from "@/lib/bundles/schemas";

const ZLabelValue = z.string().min(1).max(200);

/** When the evaluator promotes, holds or aborts; every figure compares canary with baseline in one window. */
export const ZRolloutThresholds = z
  .object({
    /** Canary decisions the current stage needs before it may be promoted. */
    minCanaryDecisions: z.number().int().min(1).max(1_000_000).default(50),
    /** Decisions a path needs on both sides before its rates are compared. */
    minDecisionsPerPath: z.number().int().min(1).max(1_000_000).default(10),
    /** Abort when a path's canary deny rate exceeds the baseline's by more than this (0..1). */
    maxDenyRateIncrease: z.number().min(0).max(1).default(0.05),
    /** Abort when a path's canary error rate exceeds the baseline's by more than this (0..1). */
    maxErrorRateIncrease: z.number().min(0).max(1).default(0.01),
    /** Abort when a path's canary undefined rate exceeds the baseline's by more than this (0..1). */
    maxUndefinedRateIncrease: z.number().min(0).max(1).default(0.05),
    /** Abort when the canary's p99 eval latency is above baseline p99 × this (and above 1 ms). */
    maxP99LatencyRatio: z.number().min(1).max(1000).default(3),
    /** Abort when more callers than this are denied by the canary and never by the baseline. */
    maxNewCallersDenied: z.number().int().min(0).max(1_000_000).default(0),
    /** Distinct inputs of the stage window replayed against both revisions (0: no replay). */
    replaySample: z.number().int().min(0).max(2000).default(200),
    /** Hold (never promote by itself) when more than this share of a path's replayed inputs decide differently (0..1). */
    maxReplayDifferenceRate: z.number().min(0).max(1).default(0.05),
    /** A stage's replay is reused for this long before it is taken again. */
    replayIntervalSeconds: z.number().int().min(15).max(86_400).default(300),
  })
  .strict();
export type TRolloutThresholds = z.infer<typeof ZRolloutThresholds>;

export const ZStartRolloutRequest = z
  .object({
    /** Publish this approved change request as the canary (the rollout starts with the publish). */
    changeRequest: z.number().int().min(1).optional(),
    /** Or stage an existing revision (its number) of the bundle as the canary. */
    revision: z.number().int().min(1).max(2_147_483_647).optional(),
    /** The revision the rest of the fleet keeps; defaults to the newest before the canary. */
    baselineRevision: z.number().int().min(1).max(2_147_483_647).optional(),
    /** Agent labels a canary must report (all must match), e.g. { "canary": "true" }. */
    selector: z.record(z.string().min(1).max(100), ZLabelValue).optional(),
    /** Percentages of the eligible agents, ascending, ending at 100. */
    stages: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .max(10)
      .default([5, 25, 100])
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), "stages must ascend")
      .refine((s) => s[s.length - 1] === 100, "the last stage must be 100"),
    minSoakSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(600),
    thresholds: ZRolloutThresholds.partial().default({}),
    /** Publishing a change request whose tests did not run: the admin's recorded reason. */
    overrideReason: z.string().trim().min(3).max(2000).optional(),
  })
  .strict()
  .refine((b) => (b.changeRequest === undefined) !== (b.revision === undefined), {
    message: "Name exactly one of changeRequest or revision",
  })
  .refine((b) => b.selector === undefined || Object.keys(b.selector).length <= 10, {
    message: "A selector has at most 10 labels",
  });
export type TStartRolloutRequest = z.infer<typeof ZStartRolloutRequest>;

export const ZRolloutParams = z.object({ name: ZBundleName, id: z.string().uuid() });

export const ZEndRolloutRequest = z.object({ reason: z.string().trim().min(3).max(2000) }).strict();
export type TEndRolloutRequest = z.infer<typeof ZEndRolloutRequest>;
