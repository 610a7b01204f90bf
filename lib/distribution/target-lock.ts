import { pool } from "@/lib/core/db";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

/**
 * Runs `fn` holding the session advisory lock of one target, or returns null at once when
 * another worker (a publish, the retrier, another instance) holds it. Uploads to one target never
 * overlap, so an older revision cannot land on the target after a newer one.
 */
export async function withTargetLock<T>(targetId: string, fn: () => Promise<T>): Promise<T | null> {
  const client = await pool().connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked",
      [ADVISORY_LOCKS.distributionTarget, targetId],
    );
    if (!rows[0]!.locked) return null;
    try {
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [ADVISORY_LOCKS.distributionTarget, targetId]);
    }
  } finally {
    client.release();
  }
}
