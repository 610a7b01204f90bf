import { pool } from "@/lib/core/db";

// Failed sign-ins are throttled per account and per client address, in Postgres so that every
// app instance sees the same counts. A success clears the account's count.
export const LOGIN_WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_ACCOUNT = 10;
export const MAX_FAILURES_PER_ADDRESS = 50;

export async function checkLoginAllowed(email: string, ip: string): Promise<boolean> {
  const { rows } = await pool().query<{ by_email: string; by_ip: string }>(
    `WITH window_start AS (SELECT now() - make_interval(mins => $3) AS t)
     SELECT
       (SELECT count(*) FROM login_attempts, window_start
         WHERE email = $1 AND NOT succeeded AND attempted_at > window_start.t
           AND attempted_at > coalesce((SELECT max(attempted_at) FROM login_attempts WHERE email = $1 AND succeeded), '-infinity')) AS by_email,
       (SELECT count(*) FROM login_attempts, window_start
         WHERE ip = $2 AND NOT succeeded AND attempted_at > window_start.t) AS by_ip`,
    [email, ip, LOGIN_WINDOW_MINUTES],
  );
  const row = rows[0]!;
  return Number(row.by_email) < MAX_FAILURES_PER_ACCOUNT && Number(row.by_ip) < MAX_FAILURES_PER_ADDRESS;
}

export async function recordLoginResult(email: string, ip: string, succeeded: boolean): Promise<void> {
  await pool().query(`INSERT INTO login_attempts (email, ip, succeeded) VALUES ($1, $2, $3)`, [email, ip, succeeded]);
  // Old attempts are of no further use; trimming here keeps the table small without a job.
  if (Math.random() < 0.01) {
    await pool().query(`DELETE FROM login_attempts WHERE attempted_at < now() - interval '1 day'`);
  }
}
