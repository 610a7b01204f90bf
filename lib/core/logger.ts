import pino from "pino";
import { rawEnv } from "@/lib/core/env";

// Secrets must never reach a log line: known secret-bearing fields are censored wherever they appear.
const REDACT = [
  "password",
  "passwordHash",
  "token",
  "secret",
  "clientSecret",
  "client_secret",
  "authorization",
  "cookie",
  "privateKey",
  "private_key",
  "access_token",
  "apiToken",
  "masterKey",
].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export const logger = pino({
  level: rawEnv("LOG_LEVEL") ?? "info",
  base: { service: "verdict" },
  redact: { paths: REDACT, censor: "[redacted]" },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = pino.Logger;
