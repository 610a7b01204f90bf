// What the realistic fleet's parent (fleet-realistic.ts) and its load generators
// (fleet-generator.ts) exchange; a module of its own so that the parent does not load the
// generator's process handlers.

export type GeneratorConfig = {
  /** One base URL per agent slot, round-robin (the app instances). */
  baseUrls: string[];
  bundle: string;
  token: string;
  /** Agent instance labels are `${tag}-${first + i}`. */
  tag: string;
  first: number;
  count: number;
  longPollSeconds: number;
  uploadEverySeconds: number;
  decisionsPerSecond: number;
  rampMs: number;
  /** "idle": only the long poll (memory per held poll); "full": the whole agent. */
  mode: "full" | "idle";
};

export type GeneratorReport = {
  /** Manifest revision → when each agent got it (ms, performance.timeOrigin + now(), comparable across processes). */
  receipts: Record<string, number[]>;
  statusMs: number[];
  uploadMs: number[];
  /** Per upload, when it started (as receipts) and the app's Server-Timing phases (ms). */
  uploads: Array<{ at: number; phases: Record<string, number> }>;
  /** The generator process's own event-loop delay, p99 (the largest of the generators once merged). */
  eventLoopDelayP99Ms: number;
  requests: number;
  serverErrors: number;
  networkErrors: number;
  otherErrors: number;
  decisionsGenerated: number;
  decisionsAcknowledged: number;
};

export function emptyGeneratorReport(): GeneratorReport {
  return {
    receipts: {},
    statusMs: [],
    uploadMs: [],
    uploads: [],
    eventLoopDelayP99Ms: 0,
    requests: 0,
    serverErrors: 0,
    networkErrors: 0,
    otherErrors: 0,
    decisionsGenerated: 0,
    decisionsAcknowledged: 0,
  };
}
