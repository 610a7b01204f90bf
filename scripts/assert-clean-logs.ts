// Runs after `vitest run` in `npm test`: fails when the suite's app logs contained a secret.
import { existsSync, readFileSync } from "node:fs";
import { SCAN_RESULT } from "@/test/support/secret-scan";

if (!existsSync(SCAN_RESULT)) {
  console.log("log scan: no app ran in this test run; nothing to scan");
  process.exit(0);
}
const result = readFileSync(SCAN_RESULT, "utf8");
if (result === "clean") {
  console.log("log scan: no token, key, JWT or password in any app log of this run");
} else {
  console.error(`log scan: secrets found in app logs:\n${result}`);
  process.exit(1);
}
