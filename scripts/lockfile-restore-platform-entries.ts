// npm run lockfile:fix — the registry mirror here lacks some other-platform optional packages
// (e.g. @next/swc-darwin-arm64), so `npm install` drops them from package-lock.json and `npm ci`
// then refuses the lock. This puts back an entry for each missing optional dependency whose name
// names its platform; npm ci skips such entries on other platforms without fetching them.
import { readFileSync, writeFileSync } from "node:fs";
import { findMissingOptionalEntries } from "@/lib/setup/lockfile";

const file = "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const missing = findMissingOptionalEntries(lock);
for (const entry of missing) lock.packages[entry.path] = entry.value;
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(missing.length ? `restored ${missing.map((m) => m.path).join(", ")}` : "package-lock.json is complete");
