import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { db, pool } from "@/lib/core/db";
import { applyMigrations, listMigrations } from "@/lib/setup/migrate";
import { createPolicy } from "@/lib/policies/create-policy";
import { createTestUser } from "@/test/factories/actors";
import { policyInput } from "@/test/factories/sample-policies";

const run = promisify(execFile);

async function auditVerify(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["node_modules/tsx/dist/cli.mjs", "scripts/audit-verify.ts"],
      { env: { ...process.env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("offline migrations", () => {
  it("records every migration in Prisma's _prisma_migrations table with Prisma's checksum", async () => {
    const { rows } = await pool().query(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    const expected = await listMigrations();
    expect(
      rows.map((r) => ({
        name: r.migration_name,
        checksum: r.checksum,
        steps: r.applied_steps_count,
        finished: r.finished_at !== null,
      })),
    ).toEqual(expected.map((m) => ({ name: m.name, checksum: m.checksum, steps: 1, finished: true })));
  });

  it("is idempotent, and refuses to run when an applied migration was edited", async () => {
    const url = process.env.DATABASE_URL!;
    await expect(applyMigrations(url)).resolves.toMatchObject({ applied: [] });
    const first = (await listMigrations())[0]!;
    await pool().query(`UPDATE "_prisma_migrations" SET checksum = 'edited' WHERE migration_name = $1`, [first.name]);
    await expect(applyMigrations(url)).rejects.toThrow(/was changed after it was applied/);
    await pool().query(`UPDATE "_prisma_migrations" SET checksum = $2 WHERE migration_name = $1`, [
      first.name,
      first.checksum,
    ]);
  });
});

describe("append-only, hash-chained audit trail", () => {
  it("rejects UPDATE, DELETE and TRUNCATE in the database itself", async () => {
    await createPolicy({ actor: await createTestUser(["author"]), input: policyInput() });
    await expect(pool().query(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(pool().query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(pool().query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
  });

  it("`npm run audit:verify` proves the chain intact, then names the first row a superuser altered", async () => {
    const author = await createTestUser(["author"]);
    for (let i = 0; i < 3; i++) await createPolicy({ actor: author, input: policyInput() });
    const intact = await auditVerify();
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/audit trail intact: \d+ events/);

    const rows = await db.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { seq: true } });
    const victim = rows[1]!.seq;
    // A superuser can bypass the triggers; the hash chain still gives the edit away.
    const client = await pool().connect();
    try {
      await client.query("SET session_replication_role = replica");
      await client.query(`UPDATE audit_events SET actor_label = 'someone-else@example.test' WHERE seq = $1`, [
        victim.toString(),
      ]);
      await client.query("SET session_replication_role = origin");
    } finally {
      client.release();
    }
    const tampered = await auditVerify();
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain(`BROKEN at event #${victim}`);
    expect(tampered.stderr).toContain("altered");
  });
});
