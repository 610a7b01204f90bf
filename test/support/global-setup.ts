import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, ensureDatabase } from "@/lib/setup/embedded-postgres";
import { applyMigrations } from "@/lib/setup/migrate";
import { ensureOpa } from "@/lib/setup/install-opa";
import { generatePrismaClient } from "@/lib/setup/prisma-generate";
import { buildApp } from "@/lib/setup/build-app";
import { LOG_DIR, startAppInstance, type AppInstance } from "./app-process";
import { findSecretsInLogs, SCAN_RESULT, TEST_PASSWORDS } from "./secret-scan";
import { missingTestPrerequisite } from "./prerequisites";
import { ensureGoTools } from "./go-tools";
import { TEMPLATE_DATABASE, type TestEnvironment } from "./test-env";

declare module "vitest" {
  export interface ProvidedContext {
    testEnv: TestEnvironment;
  }
}

const log = (line: string) => console.log(`[test setup] ${line}`);

/**
 * Once per `npm test`: a real PostgreSQL (embedded, in a temp dir), a migrated template database
 * that each test file clones, the pinned opa, and — when browser/HTTP tests are selected — the
 * built app running against its own database.
 */
export default async function setup(project: TestProject) {
  const wantsApp = await selectsE2eFiles(project);
  // Browser tests need Chromium: without it, stop before anything starts, in one line.
  const missing = wantsApp ? missingTestPrerequisite() : null;
  if (missing) {
    console.error(`[test setup] ${missing}`);
    process.exit(1);
  }
  generatePrismaClient(log);
  rmSync(LOG_DIR, { recursive: true, force: true });
  rmSync(SCAN_RESULT, { force: true });
  const opaBin = await ensureOpa(log);
  // The registry and S3 servers the distribution tests start; a tool that cannot be built fails
  // those tests with this line rather than the whole run.
  for (const problem of ensureGoTools(log)) log(problem);
  const dataDir = path.join(os.tmpdir(), `verdict-test-pg-${process.pid}`);
  const pg = await startEmbeddedPostgres({ dataDir, password: randomBytes(12).toString("hex"), fast: true, log });
  const adminUrl = pg.url("postgres");
  await ensureDatabase(adminUrl, TEMPLATE_DATABASE);
  await applyMigrations(pg.url(TEMPLATE_DATABASE));

  const secrets = {
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    VERDICT_MASTER_KEY: randomBytes(32).toString("base64"),
  };
  const testEnv: TestEnvironment = {
    adminUrl,
    templateDatabase: TEMPLATE_DATABASE,
    opaBin,
    ...secrets,
    appUrl: null,
    appDatabaseUrl: null,
  };

  let app: AppInstance | undefined;
  if (wantsApp) {
    buildApp(log);
    await ensureDatabase(adminUrl, "verdict_app", TEMPLATE_DATABASE);
    const appDatabaseUrl = pg.url("verdict_app");
    app = await startAppInstance({ DATABASE_URL: appDatabaseUrl, OPA_BIN: opaBin, ...secrets }, { name: "app" });
    testEnv.appUrl = app.url;
    testEnv.appDatabaseUrl = appDatabaseUrl;
    log(`app listening on ${app.url}`);
  }
  project.provide("testEnv", testEnv);

  return async () => {
    await app?.stop();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
    // Last check of the run: no secret reached any app log written during the suite. Vitest does
    // not fail a run on teardown errors, so `npm test` reads the verdict in a step of its own (scripts/after-tests.ts).
    const leaks = findSecretsInLogs(LOG_DIR, [...TEST_PASSWORDS, secrets.NEXTAUTH_SECRET, secrets.VERDICT_MASTER_KEY]);
    writeFileSync(SCAN_RESULT, leaks.length ? leaks.join("\n") : "clean");
  };
}

/**
 * Whether this run has browser/HTTP test files, so the app must be built and started: every
 * project is defined on every run, so a run of one integration file asks the e2e project whether
 * the file filters given on the command line (`vitest run path/to/file.test.ts`) match any of its files.
 */
async function selectsE2eFiles(project: TestProject): Promise<boolean> {
  const e2e = project.vitest.projects.find((p) => p.name === "e2e");
  if (!e2e) return false;
  const filters = process.argv.slice(2).filter((a) => !a.startsWith("-") && (a.includes("/") || a.endsWith(".ts")));
  if (filters.length === 0) return true;
  return (await e2e.globTestFiles(filters)).testFiles.length > 0;
}
