import { afterAll, inject } from "vitest";
import { applyTestEnvironment, assertLocalDatabase } from "./test-env";

// Browser and HTTP tests arrange data in the database of the running app.
const testEnv = inject("testEnv");
applyTestEnvironment(testEnv);
if (!testEnv.appDatabaseUrl) throw new Error("the app server was not started (run the e2e project)");
assertLocalDatabase(testEnv.appDatabaseUrl);
process.env.DATABASE_URL = testEnv.appDatabaseUrl;

afterAll(async () => {
  const { closeDb } = await import("@/lib/core/db");
  await closeDb();
});
