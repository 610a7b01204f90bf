import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

// Patterns that must never reach a log line: our bearer-secret prefixes, JWTs, PEM private keys.
const PATTERNS: Array<[string, RegExp]> = [
  ["Verdict secret token", /\bvd[a-z]_[A-Za-z0-9_-]{20,}/],
  ["JWT", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./],
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

/** Every line of every app log that contains a secret (known values or secret-shaped strings). */
export function findSecretsInLogs(logDir: string, knownSecrets: string[]): string[] {
  if (!existsSync(logDir)) return [];
  const findings: string[] = [];
  for (const name of readdirSync(logDir).filter((n) => n.endsWith(".log"))) {
    const lines = readFileSync(path.join(logDir, name), "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const [what, pattern] of PATTERNS) if (pattern.test(line)) findings.push(`${name}:${i + 1}: ${what}`);
      for (const secret of knownSecrets)
        if (secret.length >= 8 && line.includes(secret)) findings.push(`${name}:${i + 1}: a known secret value`);
    });
  }
  return findings;
}

export const SCAN_RESULT = path.join(process.cwd(), "test-results", "secret-scan.txt");

/** Passwords the test suite signs in with (test/support, test/factories): none may appear in a log. */
export const TEST_PASSWORDS = [
  "correct horse battery staple",
  "a long enough password",
  "another long password",
  "wrong password",
];
