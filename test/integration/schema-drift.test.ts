import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pool } from "@/lib/core/db";

// Migrations are hand-written SQL; this fails when a model field or enum in prisma/schema.prisma
// has no column or type in the migrated database, or a column's nullability differs.

type Field = { column: string; optional: boolean; list: boolean };
type Model = { table: string; fields: Field[] };

function parseSchema(text: string): { models: Model[]; enums: Record<string, string[]> } {
  const models: Model[] = [];
  const enums: Record<string, string[]> = {};
  const blocks = [...text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(blocks.filter((b) => b[1] === "model").map((b) => b[2]!));
  for (const [, kind, name, body] of blocks) {
    const lines = body!
      .split("\n")
      .map((l) => l.replace(/\/\/.*$/, "").trim())
      .filter(Boolean);
    if (kind === "enum") {
      enums[name!] = lines.filter((l) => !l.startsWith("@@"));
      continue;
    }
    const table = /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!;
    const fields: Field[] = [];
    for (const line of lines) {
      if (line.startsWith("@@")) continue;
      const [fieldName, type = ""] = line.split(/\s+/);
      const baseType = type.replace(/[?[\]]/g, "");
      if (modelNames.has(baseType)) continue;
      fields.push({
        column: /@map\("([^"]+)"\)/.exec(line)?.[1] ?? fieldName!,
        optional: type.endsWith("?"),
        list: type.endsWith("[]"),
      });
    }
    models.push({ table, fields });
  }
  return { models, enums };
}

const schema = parseSchema(readFileSync(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8"));

describe("schema.prisma and prisma/migrations agree", () => {
  it("parses the schema", () => {
    expect(schema.models.map((m) => m.table)).toEqual(
      expect.arrayContaining(["users", "policies", "policy_versions", "audit_events"]),
    );
  });

  it("has a column with the same nullability for every model field", async () => {
    const { rows } = await pool().query<{ table_name: string; column_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const columns = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.is_nullable === "YES"]));
    const problems: string[] = [];
    for (const model of schema.models) {
      for (const field of model.fields) {
        const key = `${model.table}.${field.column}`;
        const nullable = columns.get(key);
        if (nullable === undefined) problems.push(`missing column ${key}`);
        else if (!field.list && nullable !== field.optional)
          problems.push(`${key}: nullable in ${nullable ? "database" : "schema"} only`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("has every enum with the same values", async () => {
    const { rows } = await pool().query<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const inDatabase = Object.fromEntries(rows.map((r) => [r.typname, r.labels]));
    for (const [name, values] of Object.entries(schema.enums))
      expect({ name, values: inDatabase[name] }).toEqual({ name, values });
  });
});
