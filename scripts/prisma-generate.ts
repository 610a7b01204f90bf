// npm run db:generate — regenerates lib/generated/prisma from prisma/schema.prisma (also run by postinstall).
import { generatePrismaClient } from "@/lib/setup/prisma-generate";

generatePrismaClient((line) => console.log(`verdict: ${line}`), process.argv.includes("--force"));
