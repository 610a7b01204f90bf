import { pool } from "@/lib/core/db";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

/**
 * Runs `fn` holding the link's session advisory lock on its own connection, waiting for it: a
 * fetch, a webhook and a push of the same link never touch its mirror at the same time.
 */
export async function withLinkLock<T>(linkId: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool().connect();
  try {
    await client.query("SELECT pg_advisory_lock($1, hashtext($2))", [ADVISORY_LOCKS.gitLink, linkId]);
    try {
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [ADVISORY_LOCKS.gitLink, linkId]);
    }
  } finally {
    client.release();
  }
}
