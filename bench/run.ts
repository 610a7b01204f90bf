// npm run bench [-- name-filter] — runs every bench/*.bench.ts and prints one table. Each bench
// runs in its own process: they start their own PostgreSQL and app, and the lib/ modules they
// load in-process (database client, environment, caches) must not carry over to the next one.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { printTable, type Bench, type BenchRow } from "./harness";

const dir = path.join(process.cwd(), "bench");
const self = fileURLToPath(import.meta.url);

async function runOne(file: string, output: string): Promise<void> {
  const bench = (await import(path.join(dir, file))).default as Bench;
  writeFileSync(output, JSON.stringify(await bench.run()));
}

async function main() {
  if (process.argv[2] === "--one") return runOne(process.argv[3]!, process.argv[4]!);
  const filter = process.argv[2];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter)))
    .sort();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "verdict-bench-rows-"));
  const rows: BenchRow[] = [];
  const failed: string[] = [];
  try {
    for (const file of files) {
      const name = file.replace(/\.bench\.ts$/, "");
      const output = path.join(scratch, `${name}.json`);
      console.error(`running ${name}…`);
      const started = Date.now();
      const child = spawnSync(process.execPath, [...process.execArgv, self, "--one", file, output], {
        stdio: ["ignore", "inherit", "inherit"],
      });
      if (child.status !== 0) {
        failed.push(name);
        continue;
      }
      rows.push(...(JSON.parse(readFileSync(output, "utf8")) as BenchRow[]));
      console.error(`  ${name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log("");
  printTable(rows);
  if (failed.length > 0) {
    console.error(`\nfailed: ${failed.join(", ")}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
