import type pg from "pg";

export type BulkShape = {
  /** Name prefix for the generated services, so several sets can live in one database. */
  prefix: string;
  services: number;
  callers: number;
  /** Grants per caller, each on a different endpoint. */
  grantsPerCaller: number;
  /** Every n-th grant gets an expiry in the past, every (n+1)-th one in the future. 0 = none. */
  expireEvery?: number;
  createdById: string;
};

const ENDPOINTS: Array<[string, string]> = [
  ["GET", "/items/{id}"],
  ["POST", "/items"],
  ["GET", "/reports/*"],
  ["*", "/health"],
];

/**
 * Generates services × endpoints × grants inside Postgres (generate_series), so 100,000 grants
 * take seconds, not minutes. Callers are spread over 50 namespaces of one trust domain; every
 * 100th caller is a `/*` wildcard, a shape real allowlists have.
 */
export async function seedBulkAllowlists(pool: pg.Pool, shape: BulkShape): Promise<{ entries: number }> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO services (id, name, trust_domain, owner_team, updated_at)
       SELECT gen_random_uuid(), $1 || '-' || lpad(i::text, 4, '0'), 'prod.example', 'team-' || (i % 40), now()
         FROM generate_series(1, $2::int) i`,
      [shape.prefix, shape.services],
    );
    await client.query(
      `INSERT INTO service_endpoints (id, service_id, method, path_pattern)
       SELECT gen_random_uuid(), s.id, e.method, e.path
         FROM services s CROSS JOIN unnest($2::text[], $3::text[]) AS e(method, path)
        WHERE s.name LIKE $1 || '-%'`,
      [shape.prefix, ENDPOINTS.map((e) => e[0]), ENDPOINTS.map((e) => e[1])],
    );
    await client.query(
      `CREATE TEMP TABLE bulk_endpoints ON COMMIT DROP AS
       SELECT p.id, (row_number() OVER (ORDER BY s.name, p.path_pattern, p.method))::int - 1 AS n
         FROM service_endpoints p JOIN services s ON s.id = p.service_id WHERE s.name LIKE $1 || '-%'`,
      [shape.prefix],
    );
    await client.query("CREATE INDEX ON bulk_endpoints (n)");
    const expireEvery = shape.expireEvery ?? 0;
    const inserted = await client.query(
      `INSERT INTO allowlist_entries (id, endpoint_id, caller_id, owner, reason, expires_at, created_by_id, updated_at)
       SELECT gen_random_uuid(), b.id,
              CASE WHEN c % 100 = 0 THEN 'spiffe://prod.example/ns/team-' || (c % 50) || '/sa/batch-' || c || '/*'
                   ELSE 'spiffe://prod.example/ns/team-' || (c % 50) || '/sa/caller-' || c END,
              'team-' || (c % 50), 'generated for scale tests',
              CASE WHEN $4 > 0 AND (c * $2 + k) % $4 = 0 THEN now() - interval '1 day'
                   WHEN $4 > 0 AND (c * $2 + k) % ($4 + 1) = 0 THEN now() + interval '30 days' END,
              $3::uuid, now()
         FROM generate_series(1, $1::int) c
         CROSS JOIN generate_series(0, $2::int - 1) k
         JOIN bulk_endpoints b ON b.n = ((c::bigint * 7919 + k::bigint * 104729) % (SELECT count(*) FROM bulk_endpoints))::int
       ON CONFLICT (endpoint_id, caller_id) DO NOTHING`,
      [shape.callers, shape.grantsPerCaller, shape.createdById, expireEvery],
    );
    await client.query("COMMIT");
    return { entries: inserted.rowCount ?? 0 };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
