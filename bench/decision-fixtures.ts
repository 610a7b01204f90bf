// Realistic decision rows generated inside PostgreSQL (generate_series), for benchmarks and demo
// screenshots: 10 million rows would take hours through the app and minutes this way.
import type pg from "pg";

export const FIXTURE_SERVICES = [
  "payments",
  "orders",
  "billing",
  "inventory",
  "search",
  "identity",
  "ledger",
  "shipping",
];

/**
 * Inserts `count` decisions spread evenly over [from, to): ~2,000 SPIFFE callers with a skewed
 * popularity, 40 agents, 3 decision paths, ~6% denials (some callers are denied far more often),
 * and Envoy-style inputs. The caller makes sure the partitions exist.
 */
export const INSERT_FIXTURE_DECISIONS_SQL = `
WITH g AS (
  SELECT i,
         $1::timestamptz + (($2::timestamptz - $1::timestamptz) * (i::float8 / $3)) AS ts,
         floor(2000 * power(random(), 2.2))::int AS c,
         floor(random() * 40)::int AS a,
         random() AS r1, random() AS r2, random() AS r3
  FROM generate_series(0, $3 - 1) AS i
), d AS (
  SELECT g.*,
         (ARRAY['payments','orders','billing','inventory','search','identity','ledger','shipping'])[1 + (c % 8)] AS svc,
         (ARRAY['payments','orders','billing','inventory','search','identity','ledger','shipping'])[1 + ((c / 8) % 8)] AS target,
         CASE WHEN r2 < 0.62 THEN 'GET' WHEN r2 < 0.86 THEN 'POST' WHEN r2 < 0.94 THEN 'PUT' ELSE 'DELETE' END AS method,
         CASE WHEN r3 < 0.75 THEN 'verdict/authz/allow' WHEN r3 < 0.93 THEN 'httpapi/rbac/allow' ELSE 'payments/authz/allow' END AS dpath,
         'r' || (40 + (extract(epoch FROM g.ts)::bigint / 43200) % 1000)::text AS rev
  FROM g
), e AS (
  SELECT d.*,
         format('spiffe://prod.example.com/ns/%s/sa/%s-%s', svc, svc, c) AS caller,
         r1 >= CASE WHEN c % 53 = 7 THEN 0.55 WHEN method = 'DELETE' THEN 0.12 ELSE 0.03 END AS allowed
  FROM d
)
INSERT INTO decisions (timestamp, decision_id, path, allowed, caller, agent, revisions, unpublished, bundles, input, result, labels, metrics)
SELECT ts, gen_random_uuid()::text, dpath, allowed, caller, format('%s-sidecar-%s', target, a), ARRAY[rev], false,
       jsonb_build_object('main', jsonb_build_object('revision', rev)),
       jsonb_build_object(
         'caller', caller, 'method', method,
         'path', format('/v1/%s/%s/%s', target, (ARRAY['accounts','refunds','items','invoices','users'])[1 + (i % 5)], i % 10000),
         'attributes', jsonb_build_object(
           'source', jsonb_build_object('principal', caller, 'address', format('10.%s.%s.%s', c % 250, a, i % 250)),
           'request', jsonb_build_object('http', jsonb_build_object('method', method, 'host', target || '.internal', 'id', md5(i::text))))),
       jsonb_build_object('allow', allowed, 'reason', CASE WHEN allowed THEN format('allowlist entry %s', c % 700) ELSE 'no allowlist entry for this caller and endpoint' END),
       jsonb_build_object('id', md5(a::text), 'instance', format('%s-sidecar-%s', target, a), 'version', '1.22.2'),
       jsonb_build_object('timer_rego_query_eval_ns', 20000 + (r2 * 90000)::int, 'timer_server_handler_ns', 60000 + (r3 * 200000)::int)
FROM e`;

const COLUMNS =
  "received_at, path, allowed, caller, agent, credential_id, revisions, unpublished, bundles, input, result, labels, metrics, extra";

/** Inserts `count` fixture decisions spread over [from, to) through the partitioned table (indexes maintained row by row). */
export async function insertFixtureDecisions(
  client: pg.Pool | pg.ClientBase,
  options: { from: Date; to: Date; count: number },
): Promise<void> {
  await client.query(
    "SELECT verdict_ensure_decision_partition(d::date) FROM generate_series(($1::timestamptz AT TIME ZONE 'UTC')::date, ($2::timestamptz AT TIME ZONE 'UTC')::date, interval '1 day') AS d",
    [options.from, options.to],
  );
  await client.query(INSERT_FIXTURE_DECISIONS_SQL, [options.from, options.to, options.count]);
}

/**
 * Bulk variant for millions of rows: `days` whole UTC days of `perDay` rows each, ending at the
 * start of today (UTC). One day is generated, the others are copies of it shifted by whole days
 * (new decision ids); each day is filled as a plain table and attached afterwards, so its indexes
 * are built once in bulk instead of row by row.
 */
export async function bulkFixtureDecisions(
  pool: pg.Pool,
  options: { days: number; perDay: number; log?: (line: string) => void },
): Promise<{ from: Date; to: Date; count: number }> {
  const to = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  const dayMs = 86_400_000;
  const from = new Date(to.getTime() - options.days * dayMs);
  const base = "decisions_fixture_base";
  await pool.query(
    `DROP TABLE IF EXISTS ${base}; CREATE TABLE ${base} (LIKE decisions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
  );
  let started = Date.now();
  await pool.query(INSERT_FIXTURE_DECISIONS_SQL.replace("INSERT INTO decisions", `INSERT INTO ${base}`), [
    new Date(to.getTime() - dayMs),
    to,
    options.perDay,
  ]);
  options.log?.(
    `generated ${options.perDay.toLocaleString("en-US")} decisions in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  started = Date.now();
  const pending = Array.from({ length: options.days }, (_, k) => k);
  const worker = async () => {
    for (let k = pending.shift(); k !== undefined; k = pending.shift()) {
      const dayStart = new Date(to.getTime() - (k + 1) * dayMs);
      const part = `decisions_p${dayStart.toISOString().slice(0, 10).replaceAll("-", "")}`;
      await pool.query(`DROP TABLE IF EXISTS ${part}`);
      await pool.query(`CREATE TABLE ${part} (LIKE decisions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await pool.query(
        `INSERT INTO ${part} (timestamp, decision_id, ${COLUMNS}) SELECT timestamp - $1::interval, gen_random_uuid()::text, ${COLUMNS} FROM ${base}`,
        [`${k} days`],
      );
      await pool.query(
        `ALTER TABLE decisions ATTACH PARTITION ${part} FOR VALUES FROM ('${dayStart.toISOString()}') TO ('${new Date(dayStart.getTime() + dayMs).toISOString()}')`,
      );
      options.log?.(
        `day ${options.days - pending.length} of ${options.days} attached (${((Date.now() - started) / 1000).toFixed(0)} s so far)`,
      );
    }
  };
  await Promise.all([worker(), worker()]);
  await pool.query(`DROP TABLE ${base}`);
  await pool.query("ANALYZE decisions");
  return { from, to, count: options.days * options.perDay };
}

/** Recomputes the hourly rollups from the rows (fixtures are inserted around the ingestion path). */
export async function rebuildDecisionRollups(client: pg.Pool | pg.ClientBase): Promise<void> {
  await client.query("TRUNCATE decision_rollups");
  await client.query(`
    INSERT INTO decision_rollups (bucket, path, agent, revisions, outcome, unpublished, count)
    SELECT date_trunc('hour', "timestamp", 'UTC'), coalesce(path, ''), agent, revisions,
           CASE allowed WHEN true THEN 'allowed' WHEN false THEN 'denied' ELSE 'other' END, unpublished, count(*)
      FROM decisions GROUP BY 1, 2, 3, 4, 5, 6`);
}
