// npm run db:seed — what the first `npm start` does to an empty database (DATABASE_URL): the first
// administrator, a sample reviewer, the sample policies with their passing test runs, the sample
// allowlists and bundle. It does nothing on a database that has users. Needs OPA_BIN or the pinned opa.
import { ensureOpa } from "@/lib/setup/install-opa";

const log = (line: string) => console.log(`verdict: ${line}`);
process.env.OPA_BIN = await ensureOpa(log);
const { seedDemoData } = await import("@/prisma/seed");
await seedDemoData(log);
const { closeDb } = await import("@/lib/core/db");
await closeDb();
