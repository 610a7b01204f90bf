import { readFileSync } from "node:fs";
import path from "node:path";
import type { RegoModule } from "@/lib/opa/types";

// The shipped policy lives as real .rego files so that `opa test` and people read the same
// text Verdict publishes. Paths are relative to the app root (the working directory).
const REGO_DIR = path.join(process.cwd(), "lib", "allowlists", "rego");

/** Where the policy sits inside a bundle: its package path as folders. */
export const AUTHZ_POLICY_BUNDLE_PATH = "verdict/authz/policy.rego";

let cached: string | undefined;

export function authzPolicySource(): string {
  cached ??= readFileSync(path.join(REGO_DIR, "authz.rego"), "utf8");
  return cached;
}

export function authzPolicyModules(options: { withTests?: boolean } = {}): RegoModule[] {
  const modules: RegoModule[] = [{ path: AUTHZ_POLICY_BUNDLE_PATH, source: authzPolicySource() }];
  if (options.withTests)
    modules.push({
      path: "verdict/authz/policy_test.rego",
      source: readFileSync(path.join(REGO_DIR, "authz_test.rego"), "utf8"),
    });
  return modules;
}
