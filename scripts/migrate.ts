// npm run db:migrate — applies prisma/migrations to DATABASE_URL without the Prisma engine.
import { applyMigrations } from "@/lib/setup/migrate";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("Set DATABASE_URL (npm start manages the embedded database by itself).");
  process.exit(2);
}
applyMigrations(url, (line) => console.log(line))
  .then((r) => console.log(`applied ${r.applied.length}, already applied ${r.alreadyApplied}`))
  .catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
