import { pool } from "@/lib/core/db";

/**
 * Runs `fn` while holding a PostgreSQL session advisory lock on its own connection, so the lock
 * spans any number of transactions; returns null at once when another holder has it.
 */
export async function withSessionLock<T>(key: number, fn: () => Promise<T>): Promise<T | null> {
  const client = await pool().connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key]);
    if (!rows[0]!.locked) return null;
    try {
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [key]);
    }
  } finally {
    client.release();
  }
}
