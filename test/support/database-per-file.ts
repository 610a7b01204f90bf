import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import pg from "pg";
import { applyTestEnvironment, assertLocalDatabase } from "./test-env";

// Each test file gets its own database cloned from the migrated template, so files run in
// parallel without seeing each other's rows.
const testEnv = inject("testEnv");
applyTestEnvironment(testEnv);
assertLocalDatabase(testEnv.adminUrl);

const name = `t_${randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: testEnv.adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${testEnv.templateDatabase}"`);
await admin.end();
const url = new URL(testEnv.adminUrl);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();

afterAll(async () => {
  const { closeDb } = await import("@/lib/core/db");
  await closeDb();
  const client = new pg.Client({ connectionString: testEnv.adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
});
