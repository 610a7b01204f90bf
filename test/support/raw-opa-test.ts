import { spawnSync } from "node:child_process";
import { inject } from "vitest";

/** `opa test -f json .` in a folder, as each test's outcome by "data.<package>.<name>" (passed, failed, error, skipped). */
export function rawOpaTest(dir: string, flags: string[] = []): Record<string, string> {
  const result = spawnSync(inject("testEnv").opaBin, ["test", ...flags, "-f", "json", "."], {
    cwd: dir,
    encoding: "utf8",
  });
  const tests = JSON.parse(result.stdout) as Array<{
    package: string;
    name: string;
    fail?: boolean;
    skip?: boolean;
    error?: unknown;
  }>;
  return Object.fromEntries(
    tests.map((t) => [`${t.package}.${t.name}`, t.skip ? "skipped" : t.error ? "error" : t.fail ? "failed" : "passed"]),
  );
}
