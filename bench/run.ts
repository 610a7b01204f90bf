// npm run bench [-- name-filter] — runs every bench/*.bench.ts and prints one table.
import { readdirSync } from "node:fs";
import path from "node:path";
import { printTable, type Bench, type BenchRow } from "./harness";

async function main() {
  const filter = process.argv[2];
  const dir = path.join(process.cwd(), "bench");
  const files = readdirSync(dir).filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter))).sort();
  const rows: BenchRow[] = [];
  for (const file of files) {
    const bench = (await import(path.join(dir, file))).default as Bench;
    console.error(`running ${bench.name}…`);
    const started = Date.now();
    rows.push(...(await bench.run()));
    console.error(`  ${bench.name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log("");
  printTable(rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
