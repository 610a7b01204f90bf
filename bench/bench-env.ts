import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureDatabase, startEmbeddedPostgres } from "@/lib/setup/embedded-postgres";
import { applyMigrations } from "@/lib/setup/migrate";
import { ensureOpa } from "@/lib/setup/install-opa";
import { generatePrismaClient } from "@/lib/setup/prisma-generate";
import { buildApp } from "@/lib/setup/build-app";
import { startAppInstance, type AppInstance } from "@/test/support/app-process";

const log = (line: string) => console.error(`[bench] ${line}`);

export type BenchEnvironment = {
  databaseUrl: string;
  adminUrl: string;
  opaBin: string;
  /** The postmaster's PID (its backends are its children), for CPU accounting. */
  postgresPid: () => number;
  secrets: { NEXTAUTH_SECRET: string; VERDICT_MASTER_KEY: string };
  /** Sets process.env so that lib/ modules (db, env) work inside the bench process. */
  applyToThisProcess: () => void;
  startApp: (extraEnv?: Record<string, string>) => Promise<AppInstance>;
  stop: () => Promise<void>;
};

/** A real PostgreSQL (durable settings, as in production) with a migrated database, and the pinned opa. */
export async function startBenchEnvironment(name: string): Promise<BenchEnvironment> {
  generatePrismaClient(log);
  const opaBin = await ensureOpa(log);
  const dataDir = path.join(os.tmpdir(), `verdict-bench-${name}-${process.pid}`);
  const pg = await startEmbeddedPostgres({ dataDir, password: randomBytes(12).toString("hex"), log });
  await ensureDatabase(pg.url("postgres"), "verdict_bench");
  const databaseUrl = pg.url("verdict_bench");
  await applyMigrations(databaseUrl);
  const secrets = {
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    VERDICT_MASTER_KEY: randomBytes(32).toString("base64"),
  };
  const apps: AppInstance[] = [];
  return {
    databaseUrl,
    adminUrl: pg.url("postgres"),
    opaBin,
    secrets,
    postgresPid: () => Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]),
    applyToThisProcess: () => {
      Object.assign(process.env, {
        DATABASE_URL: databaseUrl,
        OPA_BIN: opaBin,
        LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
        ...secrets,
      });
    },
    startApp: async (extraEnv = {}) => {
      buildApp(log);
      const app = await startAppInstance(
        { DATABASE_URL: databaseUrl, OPA_BIN: opaBin, LOG_LEVEL: "warn", ...secrets, ...extraEnv },
        { name: `bench-${name}` },
      );
      apps.push(app);
      return app;
    },
    stop: async () => {
      for (const app of apps) await app.stop();
      await pg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
