import { defineConfig } from "prisma/config";

// The Prisma CLI is used only by operators who have the schema engine (`prisma migrate deploy/status`).
// Verdict itself applies migrations with scripts/migrate.ts, which needs no engine download.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
