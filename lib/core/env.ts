import { z } from "zod";

// The only module that reads process.env. Parsed lazily so that scripts can prepare the
// environment (embedded database URL, generated dev secrets) before the first read.

const ZBool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().url(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  VERDICT_PUBLIC_URL: z.string().url().default("http://localhost:3000"),
  VERDICT_DATA_DIR: z.string().default(".data"),
  // 32 random bytes, base64: encrypts signing keys and other secrets at rest.
  VERDICT_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded"),
  NEXTAUTH_SECRET: z.string().min(32),
  NEXTAUTH_URL: z.string().url().optional(),
  OPA_BIN: z.string().optional(),
  OPA_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_NAME: z.string().default("Single sign-on"),
  SECURE_COOKIES: ZBool.optional(),
  // OPA status reports identify an agent by this label (`labels.id` changes on every restart).
  VERDICT_AGENT_IDENTITY_LABEL: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,63}$/)
    .default("instance"),
  // The agent plane. A publish answers the long polls waiting for it at this rate, or faster so
  // that it takes at most the window; status reports are written once per flush interval.
  VERDICT_LONG_POLL_WAKE_PER_SECOND: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
  VERDICT_LONG_POLL_WAKE_WINDOW_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  VERDICT_STATUS_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  // Agents silent for longer than this leave the fleet's hot table for the archive; checked every interval.
  AGENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  AGENT_ARCHIVE_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  // Decision logs. OPA's own upload limit defaults to 32 KiB compressed per POST.
  DECISION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  DECISION_MAINTENANCE_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  DECISION_LOG_MAX_COMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  DECISION_LOG_MAX_DECOMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  DECISION_LOG_MAX_EVENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  DECISION_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  // Impact analysis of a change request: how far back, and how many distinct recorded inputs at most.
  ALERT_EVALUATION_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  ALERT_DENIAL_SPIKE_FACTOR: z.coerce.number().min(1.1).max(100).default(3),
  ALERT_DENIAL_SPIKE_MIN_DENIALS: z.coerce.number().int().min(1).max(1_000_000).default(20),
  ALERT_GRANT_EXPIRY_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  ALERT_UNHEALTHY_AGENTS: z.coerce.number().int().min(1).max(1_000_000).default(1),
  IMPACT_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  IMPACT_MAX_INPUTS: z.coerce.number().int().min(10).max(20_000).default(2_000),
});

export type TEnv = z.infer<typeof ZEnv>;

let cached: TEnv | undefined;

export function env(): TEnv {
  if (!cached) {
    const parsed = ZEnv.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`Invalid environment: ${problems}`);
    }
    cached = parsed.data;
  }
  return cached;
}

/** For values read before the full environment exists (start-up scripts, build). */
export function rawEnv(
  name:
    | "DATABASE_URL"
    | "OPA_BIN"
    | "VERDICT_DATA_DIR"
    | "PORT"
    | "HOSTNAME"
    | "LOG_LEVEL"
    | "VERDICT_ADMIN_EMAIL"
    | "VERDICT_ADMIN_PASSWORD"
    | "VERDICT_REVIEWER_EMAIL"
    | "VERDICT_REVIEWER_PASSWORD"
    | "CI"
    | "PATH",
): string | undefined {
  return process.env[name] || undefined;
}
