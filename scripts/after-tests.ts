// Runs after `vitest run` in `npm test`. Fails the run when the suite ran no test, had unhandled
// errors (which Vitest can let through with exit code 0), or left a secret in an app log.
import { existsSync, readFileSync } from "node:fs";
import { SCAN_RESULT } from "@/test/support/secret-scan";
import { SUMMARY_FILE } from "@/test/support/summary-reporter";

let failed = false;
const summary = existsSync(SUMMARY_FILE)
  ? (JSON.parse(readFileSync(SUMMARY_FILE, "utf8")) as { passed: number; failed: number; unhandledErrors: number })
  : null;
if (!summary || summary.passed === 0 || summary.failed > 0 || summary.unhandledErrors > 0) {
  console.error(`after tests: the run is not green (${summary ? JSON.stringify(summary) : "no summary written"})`);
  failed = true;
}
if (existsSync(SCAN_RESULT)) {
  const result = readFileSync(SCAN_RESULT, "utf8");
  if (result === "clean") console.log("log scan: no token, key, JWT or password in any app log of this run");
  else {
    console.error(`log scan: secrets found in app logs:\n${result}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
