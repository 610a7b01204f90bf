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

let cachedTests: string | undefined;

/** The policy's own Rego tests (each brings its allowlists with `with data.verdict.allowlists as …`). */
export function authzPolicyTestSource(): string {
  cachedTests ??= readFileSync(path.join(REGO_DIR, "authz_test.rego"), "utf8");
  return cachedTests;
}

/** Cases for the table editor: one grant in the data, a request it allows and one it does not. */
export function authzPolicyCases() {
  const caller = "spiffe://prod.example.com/ns/billing/sa/api";
  const data = {
    verdict: {
      allowlists: {
        services: {
          payments: {
            trust_domain: "prod.example.com",
            endpoints: {
              "POST /refunds": { method: "POST", path: "/refunds", segments: ["refunds"], prefix: false },
            },
            callers: { [caller]: [{ id: "sample-grant", endpoint: "POST /refunds" }] },
            wildcards: [],
          },
        },
      },
    },
  };
  const request = (method: string, path: string) =>
    JSON.stringify({ caller, service: "payments", method, path }, null, 2);
  return [
    {
      name: "a granted call is allowed",
      query: "",
      input: request("POST", "/refunds"),
      data: JSON.stringify(data, null, 2),
      expected: "true",
    },
    {
      name: "another method on the same path is denied",
      query: "",
      input: request("DELETE", "/refunds"),
      data: JSON.stringify(data, null, 2),
      expected: "false",
    },
  ];
}

export function authzPolicyModules(options: { withTests?: boolean } = {}): RegoModule[] {
  const modules: RegoModule[] = [{ path: AUTHZ_POLICY_BUNDLE_PATH, source: authzPolicySource() }];
  if (options.withTests)
    modules.push({
      path: "verdict/authz/policy_test.rego",
      source: authzPolicyTestSource(),
    });
  return modules;
}
