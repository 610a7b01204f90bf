import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = process.cwd();
const INPUTS = [
  "app",
  "components",
  "lib",
  "public",
  "next.config.ts",
  "proxy.ts",
  "instrumentation.ts",
  "tsconfig.json",
  "package-lock.json",
  "prisma/schema.prisma",
];
const SKIP = new Set(["node_modules", ".next", "generated"]);
const STAMP = path.join(ROOT, ".next", "verdict-build-hash");

/** A hash of everything that goes into `next build`, so an unchanged tree is not rebuilt. */
export function sourceHash(): string {
  const hash = createHash("sha256");
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) {
      for (const name of readdirSync(p).sort())
        if (!SKIP.has(name) && !name.endsWith(".test.ts") && !name.endsWith(".test.tsx")) visit(path.join(p, name));
    } else {
      hash.update(path.relative(ROOT, p)).update("\0").update(readFileSync(p)).update("\0");
    }
  };
  for (const input of INPUTS) visit(path.join(ROOT, input));
  return hash.digest("hex");
}

export function isBuildCurrent(): boolean {
  return (
    existsSync(STAMP) &&
    existsSync(path.join(ROOT, ".next", "BUILD_ID")) &&
    readFileSync(STAMP, "utf8") === sourceHash()
  );
}

export function buildApp(log: (line: string) => void): void {
  if (isBuildCurrent()) return;
  log("building the web app (next build)…");
  const hash = sourceHash();
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"],
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    },
  );
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
  writeFileSync(STAMP, hash);
}
