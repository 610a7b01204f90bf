import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = process.cwd();
const SCHEMA = path.join(ROOT, "prisma", "schema.prisma");
const OUTPUT_STAMP = path.join(ROOT, "lib", "generated", "prisma", ".schema-hash");
const ENGINE_STUB = path.join(ROOT, ".tools", "prisma-no-schema-engine");

/**
 * `prisma generate` with the Rust-free client needs no engine, yet the CLI tries to download the
 * schema engine first. Pointing PRISMA_SCHEMA_ENGINE_BINARY at a stub skips that download; an
 * operator who has the real engine can set the variable to it.
 */
export function generatePrismaClient(log: (line: string) => void, force = false): void {
  const schemaHash = createHash("sha256").update(readFileSync(SCHEMA)).digest("hex");
  if (!force && existsSync(OUTPUT_STAMP) && readFileSync(OUTPUT_STAMP, "utf8") === schemaHash) return;
  if (!existsSync(ENGINE_STUB)) {
    mkdirSync(path.dirname(ENGINE_STUB), { recursive: true });
    writeFileSync(
      ENGINE_STUB,
      '#!/bin/sh\necho "Verdict applies migrations with scripts/migrate.ts; the schema engine is not installed" >&2\nexit 1\n',
    );
    chmodSync(ENGINE_STUB, 0o755);
  }
  log("generating the Prisma client…");
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, "node_modules", "prisma", "build", "index.js"), "generate"],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? ENGINE_STUB,
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        CHECKPOINT_DISABLE: "1",
      },
    },
  );
  if (result.status !== 0) throw new Error(`prisma generate failed (exit ${result.status})`);
  writeFileSync(OUTPUT_STAMP, schemaHash);
}
