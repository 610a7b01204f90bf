import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "@/lib/generated/prisma/client";
import { env } from "@/lib/core/env";

type Handles = { pool: pg.Pool; prisma: PrismaClient };

// One pool and one client per process, kept on globalThis so that Next.js dev reloads and
// route bundles share them.
const holder = globalThis as typeof globalThis & {
  __verdictDb?: Handles;
  __verdictDbClosers?: Set<() => Promise<void>>;
};

/** Registers work to stop before the pool closes (the LISTEN connection, background timers). */
export function onCloseDb(closer: () => Promise<void>): void {
  (holder.__verdictDbClosers ??= new Set()).add(closer);
}

function handles(): Handles {
  if (!holder.__verdictDb) {
    const pool = new pg.Pool({
      connectionString: env().DATABASE_URL,
      max: env().DATABASE_POOL_SIZE,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
    });
    // An idle client that loses its connection (Postgres restart) must not crash the process.
    pool.on("error", () => {});
    holder.__verdictDb = { pool, prisma: new PrismaClient({ adapter: new PrismaPg(pool) }) };
  }
  return holder.__verdictDb;
}

/** The raw pool, for what Prisma does not do: LISTEN/NOTIFY, bulk inserts, advisory locks. */
export function pool(): pg.Pool {
  return handles().pool;
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const client = handles().prisma;
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});

export type Tx = Prisma.TransactionClient;

export async function closeDb(): Promise<void> {
  const closers = [...(holder.__verdictDbClosers ?? [])];
  holder.__verdictDbClosers = undefined;
  for (const closer of closers) await closer().catch(() => {});
  const h = holder.__verdictDb;
  holder.__verdictDb = undefined;
  if (h) {
    await h.prisma.$disconnect();
    await h.pool.end().catch(() => {});
  }
}
