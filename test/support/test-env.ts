export const TEMPLATE_DATABASE = "verdict_template";

export type TestEnvironment = {
  adminUrl: string;
  templateDatabase: string;
  opaBin: string;
  NEXTAUTH_SECRET: string;
  VERDICT_MASTER_KEY: string;
  appUrl: string | null;
  appDatabaseUrl: string | null;
};

/** Refuses to point destructive tests at anything but a database on this machine. */
export function assertLocalDatabase(url: string): void {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
    throw new Error(`tests refuse to run against a non-local database (${host})`);
  }
}

/** The environment lib/core/env.ts expects, with the same secrets the app server was started with. */
export function applyTestEnvironment(testEnv: TestEnvironment): void {
  process.env.NEXTAUTH_SECRET = testEnv.NEXTAUTH_SECRET;
  process.env.VERDICT_MASTER_KEY = testEnv.VERDICT_MASTER_KEY;
  process.env.OPA_BIN = testEnv.opaBin;
  process.env.LOG_LEVEL ??= "silent";
}
